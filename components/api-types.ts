// Client-side mirror of the HTTP shapes in docs/contracts.md. Kept here (not imported from db/ or lib/)
// so browser code never depends on server modules.

export type DocumentStatus = "queued" | "processing" | "ready" | "failed";

export interface DocumentSummary {
  id: string;
  name: string;
  type: string;
  size: number;
  sha256: string;
  status: DocumentStatus;
  error: string | null;
  chunkCount: number;
  progress: { stage: string; done: number; total: number };
  createdAt: string;
  updatedAt: string;
}

export interface DocumentChunkInfo {
  chunkId: number;
  position: number;
  charStart: number;
  charEnd: number;
  tokenCount: number;
}

export interface DocumentContent {
  id: string;
  name: string;
  type: string;
  text: string;
  chunks: DocumentChunkInfo[];
}

export interface SearchResultRow {
  chunkId: number;
  documentId: string;
  documentName: string;
  text: string;
  charStart: number;
  charEnd: number;
  bm25Rank: number | null;
  bm25Score: number | null;
  vectorRank: number | null;
  vectorScore: number | null;
  fusedRank: number;
  fusedScore: number;
  rerankRank: number | null;
  rerankScore: number | null;
}

export interface Timings {
  embedMs: number;
  bm25Ms: number;
  denseMs: number;
  fusionMs: number;
  rerankQueueMs: number;
  rerankComputeMs: number;
  totalMs: number;
}

export type Fusion =
  | "nvidia"
  | { method: "rrf"; weights: { bm25: number; vector: number }; c?: number }
  | { method: "minmax"; weights: { bm25: number; vector: number } };

export interface SearchParams {
  query: string;
  k: number;
  topN: number;
  fusion: Fusion;
  rerank: boolean;
  documentIds?: string[];
  bm25?: { k1: number; b: number };
}

export interface RunRecord {
  runId: string;
  createdAt: string;
  query: string;
  params: SearchParams;
  reranked: boolean;
  rerankSkippedReason: string | null;
  rerankModel: { id: string; version: string } | null;
  timings: Timings;
  results: SearchResultRow[];
  answerChunkIds: number[];
  answer: string | null;
}

/** `data-run` part of the chat stream. */
export interface RunData {
  runId: string;
  reranked: boolean;
  rerankSkippedReason?: string | null;
  results: SearchResultRow[];
}

/** One entry of the `data-citations` part of the chat stream. */
export interface Citation {
  n: number;
  chunkId: number;
  documentId: string;
  charStart: number;
  charEnd: number;
}

export interface ApiErrorBody {
  error?: { code?: string; message?: string };
}
