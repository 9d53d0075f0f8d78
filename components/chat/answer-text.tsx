import Link from "next/link";
import type { ReactNode } from "react";
import type { Citation } from "@/components/api-types";
import { documentHref } from "@/components/format";

// [1], [1, 2] and [1][3] (the last is two matches).
const MARKER = /\[(\d+(?:\s*,\s*\d+)*)\]/g;

/** Answer text with each [n] marker turned into a link to the cited chunk in its document. */
export function AnswerText({ text, citations }: { text: string; citations: Citation[] | undefined }) {
  const byN = new Map((citations ?? []).map((c) => [c.n, c]));
  const nodes: ReactNode[] = [];
  let last = 0;
  let key = 0;
  for (const match of text.matchAll(MARKER)) {
    const index = match.index ?? 0;
    if (index > last) nodes.push(text.slice(last, index));
    const numbers = match[1].split(",").map((s) => Number(s.trim()));
    nodes.push(
      <span key={`m${key++}`} className="whitespace-nowrap">
        {numbers.map((n) => {
          const c = byN.get(n);
          return c ? (
            <Link
              key={n}
              href={documentHref(c.documentId, c.chunkId)}
              data-testid="citation-link"
              data-n={n}
              data-document-id={c.documentId}
              data-chunk-id={c.chunkId}
              title={`Source ${n}: open the cited passage`}
              className="mx-px inline-flex min-w-[1.25rem] -translate-y-px items-center justify-center rounded bg-indigo-50 px-1 font-mono text-[11px] font-semibold text-indigo-700 ring-1 ring-inset ring-indigo-200 hover:bg-indigo-100"
            >
              {n}
            </Link>
          ) : (
            // Citations arrive after the text; until then (or if n is unknown) show the marker plainly.
            <span key={n} className="mx-px font-mono text-[11px] text-slate-500" data-testid="citation-pending">
              [{n}]
            </span>
          );
        })}
      </span>,
    );
    last = index + match[0].length;
  }
  if (last < text.length) nodes.push(text.slice(last));
  return <>{nodes}</>;
}
