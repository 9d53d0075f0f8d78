// Citation precision of the extractive answer (lib/generate/extractive.ts): of the passages an answer
// cites, the share that are relevant. A passage counts as relevant when its document is relevant in the
// qrels (grade > 0). Pooled over all cited passages of a run; queries whose answer cites nothing
// (not found) add nothing.
import { extractiveAnswer } from "@/lib/generate/extractive";
import { passagesFromResults } from "@/lib/generate/types";
import type { SearchResultRow } from "@/lib/retrieval/search";

/**
 * The document of each passage the extractive answer cites, in citation order. `results` in the final
 * order (reranked when reranked), as the app passes them to the answer.
 */
export function citedDocuments(
  query: string,
  results: SearchResultRow[],
  { topN, minScore }: { topN: number; minScore?: number },
): string[] {
  const answer = extractiveAnswer(query, passagesFromResults(results, topN), { minScore });
  return answer.citations.map((c) => results.find((r) => r.chunkId === c.chunkId)?.documentName ?? c.documentId);
}

export interface CitationPrecision {
  /** Relevant cited passages / cited passages, over every query (null when nothing was cited). */
  citationPrecision: number | null;
  cited: number;
  relevantCited: number;
  /** Queries whose answer cited at least one passage. */
  answeredQueries: number;
  /** Mean of the per-query shares over answered queries. */
  perQueryMean: number | null;
}

export function citationPrecision(
  perQuery: { queryId: string; citedDocumentIds: string[] }[],
  qrels: Map<string, Map<string, number>>,
): CitationPrecision {
  let cited = 0;
  let relevantCited = 0;
  const shares: number[] = [];
  for (const q of perQuery) {
    if (q.citedDocumentIds.length === 0) continue;
    const rel = qrels.get(q.queryId);
    const hits = q.citedDocumentIds.filter((d) => (rel?.get(d) ?? 0) > 0).length;
    cited += q.citedDocumentIds.length;
    relevantCited += hits;
    shares.push(hits / q.citedDocumentIds.length);
  }
  return {
    citationPrecision: cited ? relevantCited / cited : null,
    cited,
    relevantCited,
    answeredQueries: shares.length,
    perQueryMean: shares.length ? shares.reduce((a, b) => a + b, 0) / shares.length : null,
  };
}
