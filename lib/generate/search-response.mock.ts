import type { SearchResponse, SearchResultRow } from "@/lib/retrieval/search";

// Shared by the generate tests: a finished search whose first passage answers questions about rerankers.

export const DOC_A = "11111111-1111-4111-8111-111111111111";
export const DOC_B = "22222222-2222-4222-8222-222222222222";

function row(i: number, documentId: string, text: string): SearchResultRow {
  return {
    chunkId: 10 + i,
    documentId,
    documentName: documentId === DOC_A ? "rerank.md" : "garden.txt",
    text,
    charStart: 500 * i,
    charEnd: 500 * i + text.length,
    bm25Rank: i + 1,
    bm25Score: 10 - i,
    vectorRank: i + 1,
    vectorScore: 0.9 - i / 10,
    fusedRank: i + 1,
    fusedScore: 1 - i / 10,
    rerankRank: i + 1,
    rerankScore: 0.95 - i / 10,
  };
}

export const searchResponse: SearchResponse = {
  runId: "33333333-3333-4333-8333-333333333333",
  reranked: true,
  timings: {
    embedMs: 1,
    bm25Ms: 1,
    denseMs: 1,
    fusionMs: 0.1,
    rerankQueueMs: 0.2,
    rerankComputeMs: 3,
    totalMs: 7,
  },
  results: [
    row(0, DOC_A, "The reranker reorders the fused candidates by relevance. It runs in its own worker process."),
    row(1, DOC_B, "Tomatoes grow best in full sun. Water them deeply twice a week."),
    row(2, DOC_A, "Hybrid retrieval combines BM25 with dense vectors. Fusion merges the two rankings."),
    row(3, DOC_B, "Compost improves the soil structure."),
    row(4, DOC_B, "Prune the roses in late winter."),
    row(5, DOC_B, "This sixth passage is outside the top five and mentions the reranker worker too."),
  ],
};

/** Drains a stream into an array. */
export async function collect<T>(stream: ReadableStream<T>): Promise<T[]> {
  const out: T[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return out;
    out.push(value);
  }
}
