import type { DeviceReport } from "@/lib/models/device";
import type { BatchingReranker as ModelBatchingReranker, PreparedRerank, Reranker } from "@/lib/models/types";

export type { PreparedRerank };

/** A reranker that is loaded and can be warmed up (lib/models/starter's loadStarterReranker returns one). */
export type LoadedReranker = Reranker & {
  executionProvider: string;
  warmUp(): Promise<void>;
  /** The reranker head version the model was built from (the starter model reports it). */
  headVersion?: string;
  /** How the execution provider was chosen (RERANKER_DEVICE), for /health; the worker sets it. */
  device?: DeviceReport;
};

/** A loaded reranker that merges requests into one model call (the starter reranker is one). */
export type BatchingReranker = LoadedReranker & ModelBatchingReranker;

export function isBatching(r: LoadedReranker): r is BatchingReranker {
  return typeof (r as Partial<BatchingReranker>).rerankMany === "function" &&
    typeof (r as Partial<BatchingReranker>).prepare === "function";
}
