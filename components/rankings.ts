import type { SearchResultRow } from "@/components/api-types";

/** Candidates in first-stage (fused) order. */
export function byFusedRank(rows: SearchResultRow[]): SearchResultRow[] {
  return [...rows].sort((a, b) => a.fusedRank - b.fusedRank || a.chunkId - b.chunkId);
}

/** Candidates in reranked order; rows the reranker did not score follow in fused order. */
export function byRerankRank(rows: SearchResultRow[]): SearchResultRow[] {
  return [...rows].sort((a, b) => {
    if (a.rerankRank != null && b.rerankRank != null) return a.rerankRank - b.rerankRank;
    if (a.rerankRank != null) return -1;
    if (b.rerankRank != null) return 1;
    return a.fusedRank - b.fusedRank || a.chunkId - b.chunkId;
  });
}
