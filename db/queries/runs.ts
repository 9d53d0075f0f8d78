import { and, eq } from "drizzle-orm";
import type { SearchParams, SearchResultRow, Timings } from "@/lib/retrieval/search";
import { LOCAL_USER_ID, retrievalRuns } from "../schema";
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
  /** The answer was removed because a passage it was built from belonged to a deleted document. */
  answerRedacted?: boolean;
};

/** A result row of a stored run whose document was deleted: text and name are gone, ids and scores stay. */
export type StoredResultRow = SearchResultRow & { deleted?: true };

/** Saves a run as the user's own (only they can read it back). */
export async function saveRetrievalRun({
  db,
  run,
  userId = LOCAL_USER_ID,
}: {
  db: Executor;
  run: RunRecord;
  userId?: string;
}): Promise<void> {
  await db.insert(retrievalRuns).values({
    id: run.runId,
    userId,
    documentIds: [...new Set(run.results.map((r) => r.documentId))],
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

/** The run if it is the user's; null if it does not exist or belongs to someone else. */
export async function getRetrievalRunById({
  db,
  id,
  userId = LOCAL_USER_ID,
}: {
  db: Executor;
  id: string;
  userId?: string;
}): Promise<RunRecord | null> {
  // Not a uuid → no such run (instead of a database error on the cast).
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return null;
  const [r] = await db
    .select()
    .from(retrievalRuns)
    .where(and(eq(retrievalRuns.id, id), eq(retrievalRuns.userId, userId)));
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
    results: r.results as StoredResultRow[],
    answerChunkIds: r.answerChunkIds as number[],
    answer: r.answer,
    ...(r.answerRedacted ? { answerRedacted: true } : {}),
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
