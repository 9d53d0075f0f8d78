import type { DocumentSummary } from "@/components/api-types";
import { describeIngest, type IngestPhase } from "./ingest-progress";

export type SortKey = "uploaded" | "name" | "size" | "status" | "chunks";
export type SortDir = "asc" | "desc";
export interface SortState {
  key: SortKey;
  dir: SortDir;
}

export const DEFAULT_SORT: SortState = { key: "uploaded", dir: "desc" };

/** The direction a column sorts in when first chosen: text A–Z, numbers and dates largest first. */
export const firstDir: Record<SortKey, SortDir> = {
  uploaded: "desc",
  name: "asc",
  size: "desc",
  status: "asc",
  chunks: "desc",
};

/** Clicking the sorted column flips it; another column starts in its natural direction. */
export function nextSort(current: SortState, key: SortKey): SortState {
  return current.key === key ? { key, dir: current.dir === "asc" ? "desc" : "asc" } : { key, dir: firstDir[key] };
}

// Ascending status order puts what needs attention first.
const phaseOrder: Record<IngestPhase, number> = { failed: 0, processing: 1, reingesting: 2, queued: 3, ready: 4 };

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

function compare(a: DocumentSummary, b: DocumentSummary, key: SortKey): number {
  switch (key) {
    case "name":
      return collator.compare(a.name, b.name);
    case "size":
      return a.size - b.size;
    case "chunks":
      return a.chunkCount - b.chunkCount;
    case "status":
      return phaseOrder[describeIngest(a).phase] - phaseOrder[describeIngest(b).phase];
    case "uploaded":
      return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0;
  }
}

/** Documents whose name contains every word of the query (any case), sorted; ties newest first. */
export function filterAndSort(docs: DocumentSummary[], query: string, sort: SortState): DocumentSummary[] {
  const words = query.toLocaleLowerCase().split(/\s+/).filter(Boolean);
  const matching =
    words.length === 0 ? docs : docs.filter((d) => words.every((w) => d.name.toLocaleLowerCase().includes(w)));
  const sign = sort.dir === "asc" ? 1 : -1;
  return [...matching].sort(
    (a, b) => sign * compare(a, b, sort.key) || compare(b, a, "uploaded") || collator.compare(a.id, b.id),
  );
}

const shortDate = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });
const shortTime = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const fullDate = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** "today 14:05", "Dec 3" earlier this year, the full date otherwise; `full` for the tooltip. */
export function formatUploaded(iso: string, now = new Date()): { short: string; full: string } {
  const at = new Date(iso);
  const full = fullDate.format(at);
  if (at.toDateString() === now.toDateString()) return { short: `today ${shortTime.format(at)}`, full };
  if (at.getFullYear() === now.getFullYear()) return { short: shortDate.format(at), full };
  return { short: full, full };
}
