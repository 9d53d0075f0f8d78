import type { Db } from "@/db";
import {
  getLatestGoldenEvaluation,
  goldenInputsFingerprint,
  listGoldenJudgements,
  saveGoldenEvaluation,
  type GoldenEvaluation,
  type GoldenQueryResult,
} from "@/db/queries/labels";
import { getChunksByIds } from "@/db/queries/retrieval";
import type { Embedder } from "@/lib/models/types";
import { knownRerankModel } from "@/lib/rerank/cache";
import { runSearch, searchParamsSchema, type RerankClientLike, type RunSearchArgs } from "@/lib/retrieval/search";
import { averageGolden, scoreGoldenQuery } from "./golden-score";

export type GoldenDeps = { db: Db; embedder: Embedder; reranker: RerankClientLike };

/** What the evaluation depends on: judgements, readable documents and the reranker model last seen. */
export async function goldenFingerprint(db: Db, userId: string, inputs?: string): Promise<string> {
  const model = knownRerankModel();
  return `${inputs ?? (await goldenInputsFingerprint({ db, userId }))};model:${model ? `${model.id}@${model.version}` : "-"}`;
}

/**
 * Re-runs each of the user's golden queries through the real pipeline (their documents, default
 * parameters; each run is saved, so the result links to its inspect view) and stores nDCG@5 of the fused
 * and the reranked order. Judgements of passages the user can no longer read are left out; a query
 * without a relevant readable passage is not scored. Null (nothing stored) when no query can be scored.
 */
export async function evaluateGoldenSet({
  db,
  embedder,
  reranker,
  userId,
  now = () => Date.now(),
  queries,
}: GoldenDeps & {
  userId: string;
  now?: () => number;
  queries?: RunSearchArgs["queries"];
}): Promise<GoldenEvaluation | null> {
  // Read before the queries run; the model part after them (the first search tells which model serves).
  const inputs = await goldenInputsFingerprint({ db, userId });
  const viewer = { userId };
  const golden = await listGoldenJudgements({ db, userId });
  const readable = new Set(
    (
      await getChunksByIds({ db, ids: [...new Set(golden.flatMap((q) => q.labels.map((l) => l.chunkId)))], viewer })
    ).map((c) => c.chunkId),
  );
  const perQuery: GoldenQueryResult[] = [];
  for (const q of golden) {
    const grades = new Map(q.labels.filter((l) => readable.has(l.chunkId)).map((l) => [l.chunkId, l.grade as number]));
    if (![...grades.values()].some((g) => g > 0)) continue;
    const res = await runSearch({
      db,
      embedder,
      reranker,
      viewer,
      params: searchParamsSchema.parse({ query: q.query }),
      ...(queries ? { queries } : {}),
    });
    const score = scoreGoldenQuery(res.results, grades)!;
    perQuery.push({
      goldenQueryId: q.goldenQueryId,
      query: q.query,
      runId: res.runId,
      judged: grades.size,
      relevant: [...grades.values()].filter((g) => g > 0).length,
      ...score,
    });
  }
  if (perQuery.length === 0) return null;
  return saveGoldenEvaluation({
    db,
    userId,
    fingerprint: await goldenFingerprint(db, userId, inputs),
    evaluation: { createdAt: new Date(now()).toISOString(), ...averageGolden(perQuery), perQuery },
  });
}

/** The scheduled variant: evaluates only when something it depends on changed since the last evaluation. */
export async function evaluateGoldenSetIfChanged(
  args: GoldenDeps & { userId: string; now?: () => number },
): Promise<GoldenEvaluation | null> {
  const latest = await getLatestGoldenEvaluation({ db: args.db, userId: args.userId });
  if (latest && latest.fingerprint === (await goldenFingerprint(args.db, args.userId))) return null;
  return evaluateGoldenSet(args);
}
