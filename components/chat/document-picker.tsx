"use client";

import { useId, useState } from "react";
import { useDocuments } from "@/components/documents/use-documents";

/** Chips of the documents the next question is limited to; each can be removed. */
export function ScopeChips({
  ids,
  names,
  onRemove,
  testId = "scope-chip",
}: {
  ids: string[];
  names: Map<string, string>;
  onRemove?: (id: string) => void;
  testId?: string;
}) {
  if (ids.length === 0) return null;
  return (
    <ul className="flex flex-wrap gap-1" aria-label="Limited to these documents">
      {ids.map((id) => {
        const name = names.get(id) ?? "deleted document";
        return (
          <li
            key={id}
            data-testid={testId}
            data-document-id={id}
            className="inline-flex max-w-full items-center gap-1 rounded-full bg-slate-100 py-0.5 pr-1 pl-2 text-xs text-slate-700 ring-1 ring-inset ring-slate-200"
          >
            <span aria-hidden className="text-slate-500">
              ▤
            </span>
            <span className="truncate">{name}</span>
            {onRemove && (
              <button
                type="button"
                onClick={() => onRemove(id)}
                aria-label={`Remove ${name} from the documents to search`}
                data-testid="scope-chip-remove"
                className="rounded-full px-1 text-slate-500 hover:bg-slate-200 hover:text-slate-900 focus-visible:outline-2 focus-visible:outline-indigo-500"
              >
                ✕
              </button>
            )}
          </li>
        );
      })}
    </ul>
  );
}

/** Limits the next question to chosen documents (none chosen: all the user can read). */
export function DocumentPicker({ value, onChange }: { value: string[]; onChange: (ids: string[]) => void }) {
  const [open, setOpen] = useState(false);
  const [filter, setFilter] = useState("");
  const id = useId();
  const documents = useDocuments();
  const ready = (documents.data ?? []).filter((d) => d.status === "ready");
  const shown = ready.filter((d) => d.name.toLowerCase().includes(filter.trim().toLowerCase()));
  const chosen = new Set(value);
  const toggle = (docId: string) =>
    onChange(chosen.has(docId) ? value.filter((v) => v !== docId) : [...value, docId]);

  return (
    <div className="relative">
      <button
        type="button"
        aria-expanded={open}
        aria-controls={`${id}-panel`}
        onClick={() => setOpen((o) => !o)}
        data-testid="document-picker-toggle"
        className="inline-flex items-center gap-1 rounded px-2 py-1 text-xs font-medium text-slate-700 ring-1 ring-inset ring-slate-300 hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-indigo-500"
      >
        <span aria-hidden>▤</span>
        {value.length === 0 ? "All documents" : `${value.length} document${value.length === 1 ? "" : "s"}`}
        <span aria-hidden className="text-slate-400">
          {open ? "▴" : "▾"}
        </span>
      </button>
      {open && (
        <div
          id={`${id}-panel`}
          role="group"
          aria-label="Documents to search"
          data-testid="document-picker"
          className="absolute bottom-full left-0 z-20 mb-1 flex w-[min(22rem,calc(100vw-2rem))] flex-col gap-2 rounded-md border border-slate-200 bg-white p-2 shadow-lg"
          onKeyDown={(e) => {
            if (e.key === "Escape") setOpen(false);
          }}
        >
          <label className="flex flex-col gap-1 text-xs text-slate-600">
            Filter documents
            <input
              type="search"
              value={filter}
              onChange={(e) => setFilter(e.target.value)}
              data-testid="document-picker-filter"
              className="rounded border border-slate-300 bg-white px-2 py-1 text-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500"
            />
          </label>
          {documents.isPending ? (
            <p className="text-xs text-slate-500">Loading documents…</p>
          ) : ready.length === 0 ? (
            <p className="text-xs text-slate-500">No ready documents yet.</p>
          ) : (
            <ul className="max-h-56 overflow-y-auto">
              {shown.map((d) => (
                <li key={d.id}>
                  <label className="flex cursor-pointer items-center gap-2 rounded px-1 py-1 text-sm hover:bg-slate-50">
                    <input
                      type="checkbox"
                      className="h-4 w-4 accent-indigo-600"
                      checked={chosen.has(d.id)}
                      onChange={() => toggle(d.id)}
                      data-testid="document-picker-option"
                      data-document-id={d.id}
                    />
                    <span className="min-w-0 truncate">{d.name}</span>
                    <span className="ml-auto shrink-0 text-[11px] text-slate-500">{d.chunkCount} chunks</span>
                  </label>
                </li>
              ))}
            </ul>
          )}
          <div className="flex items-center gap-2 border-t border-slate-100 pt-2">
            <button
              type="button"
              onClick={() => onChange([])}
              disabled={value.length === 0}
              className="text-xs text-indigo-700 hover:underline disabled:text-slate-400 disabled:no-underline"
            >
              Search all documents
            </button>
            <button
              type="button"
              onClick={() => setOpen(false)}
              data-testid="document-picker-done"
              className="ml-auto rounded bg-indigo-600 px-2 py-1 text-xs font-medium text-white hover:bg-indigo-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500"
            >
              Done
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
