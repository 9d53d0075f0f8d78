import { and, eq, sql } from "drizzle-orm";
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
  /** Why dense retrieval was left out (the serving embedder could not be loaded); absent when it ran. */
  denseSkippedReason?: string;
  rerankModel: { id: string; version: string } | null;
  timings: Timings;
  results: SearchResultRow[];
  answerChunkIds: number[];
  answer: string | null;
  /** The answer was removed because a passage it was built from belonged to a deleted document. */
  answerRedacted?: boolean;
  /** The run this one replays with changed settings (what-if replay); stored as `params.replayOf`. */
  replayOf?: string;
};

/** The stored `params` of a replay: its search parameters plus the run it replays (no column of its own). */
export type ReplayParams = SearchParams & { replayOf: string };

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
    denseSkippedReason: run.denseSkippedReason ?? null,
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
  const { replayOf, ...params } = r.params as Partial<ReplayParams> & SearchParams;
  return {
    runId: r.id,
    createdAt: r.createdAt.toISOString(),
    query: r.query,
    params,
    reranked: r.reranked,
    rerankSkippedReason: r.rerankSkippedReason,
    ...(r.denseSkippedReason ? { denseSkippedReason: r.denseSkippedReason } : {}),
    rerankModel: r.rerankModel as RunRecord["rerankModel"],
    timings: r.timings as Timings,
    results: r.results as StoredResultRow[],
    answerChunkIds: r.answerChunkIds as number[],
    answer: r.answer,
    ...(r.answerRedacted ? { answerRedacted: true } : {}),
    ...(typeof replayOf === "string" ? { replayOf } : {}),
  };
}

export async function setRunAnswer({
  db,
  id,
  answerChunkIds,
  answer,
  generationMs,
}: {
  db: Executor;
  id: string;
  answerChunkIds: number[];
  answer: string;
  /** How long the answer took after retrieval; added to the run's timings. */
  generationMs?: number;
}): Promise<void> {
  await db
    .update(retrievalRuns)
    .set({
      answerChunkIds,
      answer,
      ...(generationMs !== undefined
        ? { timings: sql`${retrievalRuns.timings} || jsonb_build_object('generationMs', ${generationMs}::float8)` }
        : {}),
    })
    .where(eq(retrievalRuns.id, id));
}
