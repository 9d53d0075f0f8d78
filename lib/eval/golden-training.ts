// Training examples from a user's golden set (relevance labels in Postgres): each labelled query runs
// through the first stage over the user's documents (nothing is saved as a run), and the reranker graph
// gives the candidates' features, exactly as `npm run train:reranker -- --dataset <BEIR dir>` does.
// Labels are per chunk, so candidates are identified by chunk id and nDCG is taken over chunks.
import type { Db } from "@/db";
import { searchableDocumentIds } from "@/db/queries/access";
import { listGoldenJudgements } from "@/db/queries/labels";
import { getChunksByIds, getTermIdf, searchBm25, searchDense } from "@/db/queries/retrieval";
import type { TrainingQuery } from "@/lib/models/starter/train";
import type { Embedder, RerankRequest } from "@/lib/models/types";
import { wordTokens } from "@/lib/models/word-tokens";
import { rerankRequestFor, runSearch, searchParamsSchema, type SearchQueries } from "@/lib/retrieval/search";

export interface FeatureScorer {
  score(request: RerankRequest): Promise<{ features: Float32Array }>;
}

export async function goldenTrainingQueries(args: {
  db: Db;
  userId: string;
  embedder: Embedder;
  reranker: FeatureScorer;
  featureCount: number;
  k?: number;
}): Promise<{ queries: TrainingQuery[]; idfs: number[]; skipped: number }> {
  const { db, userId, embedder, reranker, featureCount, k = 45 } = args;
  const viewer = { userId };
  const golden = await listGoldenJudgements({ db, userId });
  const readable = new Set(
    (
      await getChunksByIds({ db, ids: [...new Set(golden.flatMap((q) => q.labels.map((l) => l.chunkId)))], viewer })
    ).map((c) => c.chunkId),
  );
  // The app's search path without saving runs: training must not fill the user's history.
  const queries: SearchQueries = {
    searchableDocumentIds,
    searchBm25,
    searchDense,
    getTermIdf,
    getChunksByIds,
    saveRetrievalRun: async () => undefined,
  };
  const out: TrainingQuery[] = [];
  const idfs: number[] = [];
  let skipped = 0;
  for (const q of golden) {
    const relevant = new Map(
      q.labels.filter((l) => readable.has(l.chunkId)).map((l) => [String(l.chunkId), l.grade as number]),
    );
    if (![...relevant.values()].some((g) => g > 0)) {
      skipped++;
      continue;
    }
    const res = await runSearch({
      db,
      embedder,
      reranker: { rerank: async () => ({ ok: false, reason: "training", wallMs: 0 }) },
      viewer,
      queries,
      rerankCacheTtlMs: 0,
      params: searchParamsSchema.parse({ query: q.query, k, topN: Math.min(5, k), rerank: false }),
    });
    const candidates = [...res.results].sort((a, b) => a.fusedRank - b.fusedRank);
    if (candidates.length === 0) {
      skipped++;
      continue;
    }
    const termIdf = await getTermIdf({ db, words: [...new Set(wordTokens(q.query))] });
    idfs.push(...Object.values(termIdf).filter((v) => v > 0));
    const { features } = await reranker.score(rerankRequestFor({ query: q.query, candidates, termIdf }));
    out.push({
      id: q.goldenQueryId,
      features,
      featureCount,
      documentIds: candidates.map((c) => String(c.chunkId)),
      relevant,
    });
  }
  return { queries: out, idfs, skipped };
}
