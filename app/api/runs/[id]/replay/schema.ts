import { z } from "zod";

import type { RunRecord } from "@/db/queries/runs";
import { AppError } from "@/lib/errors";
import { searchParamsSchema, type SearchParams } from "@/lib/retrieval/search";

import { describeIssues } from "../../../search/schema";

/**
 * `POST /api/runs/{id}/replay`: the settings to change; each one left out keeps the original run's value.
 * Values are checked by the search API's own schema once merged with the original (so a smaller `k` with
 * the original `topN` is refused just as in a search); here only which fields may change. The query and the
 * documents stay the original's: that is what makes it a replay.
 */
export const replayRequestSchema = z.strictObject({
  k: z.unknown().optional(),
  topN: z.unknown().optional(),
  fusion: z.unknown().optional(),
  rerank: z.unknown().optional(),
});

export type ReplayRequest = { k?: number; topN?: number; fusion?: SearchParams["fusion"]; rerank?: boolean };

/** The original run's parameters with the requested changes, or a 400 that names each wrong field. */
export function parseReplayRequest(body: unknown, original: Pick<RunRecord, "query" | "params">): SearchParams {
  const changes = replayRequestSchema.safeParse(body);
  if (!changes.success) {
    throw new AppError(
      "bad_request:search",
      `${describeIssues(changes.error)} (a replay may change k, topN, fusion and rerank; the query and documents stay)`,
    );
  }
  const { params } = original;
  const merged = {
    query: original.query,
    k: params.k,
    topN: params.topN,
    fusion: params.fusion,
    rerank: params.rerank,
    ...(params.documentIds ? { documentIds: params.documentIds } : {}),
    ...(params.bm25 ? { bm25: params.bm25 } : {}),
    ...Object.fromEntries(Object.entries(changes.data).filter(([, v]) => v !== undefined)),
  };
  const parsed = searchParamsSchema.safeParse(merged);
  if (!parsed.success) throw new AppError("bad_request:search", describeIssues(parsed.error));
  return parsed.data;
}
