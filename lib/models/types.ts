// Model interfaces (ARCHITECTURE.md). Real implementations and test doubles sit side by side.

export type EmbedKind = "query" | "passage";

export interface ModelInfo {
  id: string;
  version: string;
}

export interface Embedder {
  readonly info: ModelInfo;
  readonly dimension: number;
  /** Unit vectors of `dimension` floats, one per text. */
  embed(texts: string[], options: { kind: EmbedKind }): Promise<Float32Array[]>;
  /** False when the model has nothing to say about a text (e.g. no word it has a vector for). */
  covers?(text: string): boolean;
  /**
   * The stored vectors (embedders row) this embedder's passages are in, set by lib/models/embedder-set;
   * absent (tests, scripts): the database's active embedder.
   */
  readonly vectorSet?: { id: number; key: string };
  /** Set when this embedder cannot serve (its model failed to load): why dense retrieval is off. */
  readonly unavailable?: string;
}

/** First-stage evidence passed to rerankers that use it. Null where the candidate was missing from a list. */
export interface RerankFeatures {
  bm25Score: number | null;
  vectorScore: number | null;
  fusedRank: number;
}

export interface RerankCandidate {
  id: string;
  text: string;
  features?: RerankFeatures;
}

export interface RerankRequest {
  query: string;
  candidates: RerankCandidate[];
  topN?: number;
  model?: string;
  /** Corpus IDF of query words (lower-cased word → Lucene idf), from the indexed corpus. */
  termIdf?: Record<string, number>;
}

export interface RerankResult {
  id: string;
  /** Position of the candidate in the request. */
  index: number;
  /** Calibrated relevance in (0, 1). */
  score: number;
  /** The model's raw output (logit). */
  rawScore: number;
  truncatedTokens: number;
}

export interface RerankResponse {
  model: ModelInfo;
  /** Sorted by score, best first; all candidates unless topN was given. */
  results: RerankResult[];
  queueMs: number;
  computeMs: number;
}

export interface Reranker {
  readonly info: ModelInfo;
  rerank(request: RerankRequest): Promise<RerankResponse>;
}

/** A request tokenised ahead of a batched model call: its cost in pairs and tokens after truncation. */
export interface PreparedRerank {
  request: RerankRequest;
  pairs: number;
  /**
   * Tokens the model reads over all pairs, after truncation, for the worker's batch budget: query +
   * passage tokens (a cross-encoder), query words + distinct passage words (the starter reranker).
   */
  tokens: number;
  /** Tokens cut off all its passages together. */
  truncatedTokens: number;
  /** Model-specific inputs, opaque to the batcher. */
  data?: unknown;
}

/** A reranker that scores the pairs of several requests in one model call. */
export interface BatchingReranker extends Reranker {
  prepare(request: RerankRequest): PreparedRerank;
  rerankMany(batch: PreparedRerank[]): Promise<RerankResponse[]>;
}
