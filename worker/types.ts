import type { RerankRequest, RerankResponse, Reranker } from "@/lib/models/types";

/** A reranker that is loaded and can be warmed up (lib/models/starter's loadStarterReranker returns one). */
export type LoadedReranker = Reranker & { executionProvider: string; warmUp(): Promise<void> };

/** A request tokenised for the batcher: its cost (pairs, query + passage tokens after truncation). */
export interface PreparedRerank {
  request: RerankRequest;
  pairs: number;
  tokens: number;
  /** Tokens cut off all its passages together. */
  truncatedTokens: number;
  /** Model-specific inputs (tokens), opaque to the batcher. */
  data?: unknown;
}

/** A reranker that scores several requests in one model call (worker/batch-model.ts). */
export type BatchingReranker = LoadedReranker & {
  prepare(request: RerankRequest): PreparedRerank;
  rerankMany(batch: PreparedRerank[]): Promise<RerankResponse[]>;
};

export function isBatching(r: LoadedReranker): r is BatchingReranker {
  return typeof (r as Partial<BatchingReranker>).rerankMany === "function" &&
    typeof (r as Partial<BatchingReranker>).prepare === "function";
}
