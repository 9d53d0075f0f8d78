import { eq } from "drizzle-orm";
import type { SearchParams, SearchResultRow, Timings } from "@/lib/retrieval/search";
import { retrievalRuns } from "../schema";
import type { Executor } from "./sql";

export type RunRecord = {
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
};

export async function saveRetrievalRun({ db, run }: { db: Executor; run: RunRecord }): Promise<void> {
  await db.insert(retrievalRuns).values({
    id: run.runId,
    createdAt: new Date(run.createdAt),
    query: run.query,
    params: run.params,
    reranked: run.reranked,
    rerankSkippedReason: run.rerankSkippedReason,
    rerankModel: run.rerankModel,
    timings: run.timings,
    results: run.results,
    answerChunkIds: run.answerChunkIds,
    answer: run.answer,
  });
}

export async function getRetrievalRunById({ db, id }: { db: Executor; id: string }): Promise<RunRecord | null> {
  // Not a uuid → no such run (instead of a database error on the cast).
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return null;
  const [r] = await db.select().from(retrievalRuns).where(eq(retrievalRuns.id, id));
  if (!r) return null;
  return {
    runId: r.id,
    createdAt: r.createdAt.toISOString(),
    query: r.query,
    params: r.params as SearchParams,
    reranked: r.reranked,
    rerankSkippedReason: r.rerankSkippedReason,
    rerankModel: r.rerankModel as RunRecord["rerankModel"],
    timings: r.timings as Timings,
    results: r.results as SearchResultRow[],
    answerChunkIds: r.answerChunkIds as number[],
    answer: r.answer,
  };
}

export async function setRunAnswer({
  db,
  id,
  answerChunkIds,
  answer,
}: {
  db: Executor;
  id: string;
  answerChunkIds: number[];
  answer: string;
}): Promise<void> {
  await db.update(retrievalRuns).set({ answerChunkIds, answer }).where(eq(retrievalRuns.id, id));
}
