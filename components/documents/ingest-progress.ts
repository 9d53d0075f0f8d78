import type { DocumentSummary } from "@/components/api-types";
import { isReingesting } from "./use-documents";

/** What the user sees of a document's ingestion: the phase, one line of text, and a 0–1 fraction. */
export type IngestPhase = "queued" | "processing" | "reingesting" | "ready" | "failed";

export interface IngestView {
  phase: IngestPhase;
  /** The stage in words, e.g. "embedding 12/40"; for failed, the reason. */
  label: string;
  fraction: number;
}

const stageWords: Record<string, string> = {
  queued: "queued",
  parse: "parsing",
  chunk: "chunking",
  embed: "embedding",
  store: "storing",
  retrying: "retrying",
};

// Where each stage starts and how much of the bar it covers: embedding is where the time goes.
const stageSpan: Record<string, [number, number]> = {
  queued: [0, 0],
  retrying: [0, 0],
  parse: [0.02, 0.05],
  chunk: [0.07, 0.05],
  embed: [0.12, 0.78],
  store: [0.9, 0.1],
};

export function describeIngest(
  doc: Pick<DocumentSummary, "status" | "progress" | "chunkCount"> & { error?: string | null },
): IngestView {
  const reingesting = isReingesting(doc);
  if (doc.status === "failed") return { phase: "failed", label: doc.error ?? "failed", fraction: 1 };
  if (doc.status === "ready" && !reingesting) {
    return { phase: "ready", label: `ready · ${doc.chunkCount} chunk${doc.chunkCount === 1 ? "" : "s"}`, fraction: 1 };
  }
  const { stage, done, total } = doc.progress;
  const [start, span] = stageSpan[stage] ?? [0, 0];
  const fraction = start + (total > 0 ? span * Math.min(1, done / total) : 0);
  const words = stageWords[stage] ?? (stage || doc.status);
  const label = `${reingesting ? "re-ingesting: " : ""}${words}${total > 1 ? ` ${done}/${total}` : ""}`;
  return { phase: reingesting ? "reingesting" : doc.status === "queued" ? "queued" : "processing", label, fraction };
}

/** The status words for a phase, shown next to (never instead of) its colour. */
export const phaseText: Record<IngestPhase, string> = {
  queued: "Queued",
  processing: "Processing",
  reingesting: "Re-ingesting",
  ready: "Ready",
  failed: "Failed",
};
