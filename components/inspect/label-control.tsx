"use client";

import { useState } from "react";
import type { Grade } from "./use-labels";

const OPTIONS: { grade: Grade; label: string; short: string; on: string }[] = [
  // Short, so that the control leaves room for the passage in two side-by-side rankings.
  { grade: 2, label: "Relevant", short: "Rel", on: "bg-emerald-700 text-white ring-emerald-700" },
  { grade: 1, label: "Partly relevant", short: "Part", on: "bg-amber-700 text-white ring-amber-700" },
  { grade: 0, label: "Not relevant", short: "Not", on: "bg-slate-600 text-white ring-slate-600" },
];

/**
 * Three native radio buttons (arrow keys move between them) styled as a segmented control, and a clear button
 * once a grade is set. Clicks do not reach the row (which expands the passage).
 */
export function LabelControl({
  name,
  chunkId,
  grade: saved,
  onChange,
}: {
  /** Unique per table, so the same candidate in both tables gets its own radio group. */
  name: string;
  chunkId: number;
  grade: Grade | undefined;
  onChange: (grade: Grade | null) => void;
}) {
  // The choice shows at once, in the click's own render, until the saved grade (from the query cache,
  // updated optimistically a moment later) catches up; a controlled radio would otherwise flick back.
  const [chosen, setChosen] = useState<{ grade: Grade | null; over: Grade | undefined } | null>(null);
  const grade = chosen && chosen.over === saved ? (chosen.grade ?? undefined) : saved;
  const choose = (next: Grade | null) => {
    setChosen({ grade: next, over: saved });
    onChange(next);
  };
  return (
    <div
      role="radiogroup"
      aria-label={`Relevance of passage #${chunkId}`}
      className="inline-flex items-center gap-1"
      data-testid="label-control"
      data-grade={grade ?? ""}
      onClick={(e) => e.stopPropagation()}
      onKeyDown={(e) => e.stopPropagation()}
    >
      <span className="inline-flex overflow-hidden rounded ring-1 ring-inset ring-slate-300">
        {OPTIONS.map((o) => {
          const checked = grade === o.grade;
          return (
            <label
              key={o.grade}
              title={o.label}
              className={`relative cursor-pointer border-l border-slate-200 px-1.5 py-0.5 text-[11px] font-medium first:border-l-0 has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-indigo-500 ${
                checked ? o.on : "bg-white text-slate-600 hover:bg-slate-50"
              }`}
            >
              <input
                type="radio"
                // Transparent over the whole segment: the radio itself takes the click and the focus.
                className="absolute inset-0 m-0 cursor-pointer opacity-0"
                name={name}
                value={o.grade}
                checked={checked}
                aria-label={o.label}
                onChange={() => choose(o.grade)}
              />
              {o.short}
            </label>
          );
        })}
      </span>
      {grade !== undefined && (
        <button
          type="button"
          className="rounded px-1 text-xs text-slate-500 hover:bg-slate-100 hover:text-slate-700 focus-visible:outline-2 focus-visible:outline-indigo-500"
          aria-label={`Clear the label of passage #${chunkId}`}
          title="Clear label"
          onClick={() => choose(null)}
        >
          ×
        </button>
      )}
    </div>
  );
}
