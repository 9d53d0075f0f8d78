import { z } from "zod";

import type { RunRecord } from "@/db/queries/runs";
import { AppError } from "@/lib/errors";
import { correctiveOf } from "@/lib/retrieval/corrective/describe";
import { retrievalModeSchema, type CorrectiveOptions, type RetrievalMode } from "@/lib/retrieval/corrective/loop";
import { searchParamsSchema, type SearchParams } from "@/lib/retrieval/search";

import { describeIssues } from "../../../search/schema";

/**
 * `POST /api/runs/{id}/replay`: the settings to change; each one left out keeps the original run's value.
 * Values are checked by the search API's own schema once merged with the original (so a smaller `k` with
 * the original `topN` is refused just as in a search); here only which fields may change. The query and the
 * documents stay the original's: that is what makes it a replay. `mode` and `corrective` (the loop's
 * settings) are checked by parseReplayMode.
 */
export const replayRequestSchema = z.strictObject({
  k: z.unknown().optional(),
  topN: z.unknown().optional(),
  fusion: z.unknown().optional(),
  rerank: z.unknown().optional(),
  mode: z.unknown().optional(),
  corrective: z.unknown().optional(),
});

/** The corrective loop's settings a replay may change (the same bounds as the CORRECTIVE_* variables). */
const correctiveChangesSchema = z.strictObject({
  maxRounds: z.number().int().min(1).max(5).optional(),
  threshold: z.number().min(0).max(1).optional(),
  minRelevant: z.number().int().min(1).max(50).optional(),
});

export type CorrectiveSettings = Pick<CorrectiveOptions, "maxRounds" | "threshold" | "minRelevant">;

export type ReplayRequest = {
  k?: number;
  topN?: number;
  fusion?: SearchParams["fusion"];
  rerank?: boolean;
  mode?: RetrievalMode;
  corrective?: Partial<CorrectiveSettings>;
};

const HINT = "(a replay may change k, topN, fusion, rerank, mode and corrective; the query and documents stay)";

/** The original run's parameters with the requested changes, or a 400 that names each wrong field. */
export function parseReplayRequest(body: unknown, original: Pick<RunRecord, "query" | "params">): SearchParams {
  const changes = replayRequestSchema.safeParse(body);
  if (!changes.success) {
    throw new AppError("bad_request:search", `${describeIssues(changes.error)} ${HINT}`);
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
    ...Object.fromEntries(
      Object.entries(changes.data).filter(([key, v]) => v !== undefined && key !== "mode" && key !== "corrective"),
    ),
  };
  const parsed = searchParamsSchema.safeParse(merged);
  if (!parsed.success) throw new AppError("bad_request:search", describeIssues(parsed.error));
  return parsed.data;
}

/** "field.path: message; …" for a value checked on its own. */
const issuesAt = (field: string, error: z.ZodError) =>
  error.issues.map((i) => `${[field, ...i.path].join(".")}: ${i.message}`).join("; ");

/**
 * The replay's retrieval mode and, for the corrective loop, its settings: each left out keeps the original
 * run's (a corrective run replays as corrective with its own rounds, threshold and minimum; a single-pass
 * run asked for corrective takes `defaults`, the environment's). A 400 names each wrong field.
 */
export function parseReplayMode(
  body: unknown,
  original: Pick<RunRecord, "params">,
  defaults: CorrectiveSettings,
): { mode: "single" } | { mode: "corrective"; corrective: CorrectiveSettings } {
  const b = (typeof body === "object" && body !== null ? body : {}) as { mode?: unknown; corrective?: unknown };
  const stored = correctiveOf(original.params);
  const mode = retrievalModeSchema.optional().safeParse(b.mode);
  if (!mode.success) throw new AppError("bad_request:search", `${issuesAt("mode", mode.error)} ${HINT}`);
  const chosen = mode.data ?? (stored ? "corrective" : "single");
  const changes = correctiveChangesSchema.optional().safeParse(b.corrective);
  if (!changes.success) {
    throw new AppError("bad_request:search", `${issuesAt("corrective", changes.error)} ${HINT}`);
  }
  if (chosen === "single") {
    if (changes.data && Object.keys(changes.data).length > 0) {
      throw new AppError("bad_request:search", `corrective: applies only with mode "corrective" ${HINT}`);
    }
    return { mode: "single" };
  }
  const base: CorrectiveSettings = stored
    ? { maxRounds: stored.maxRounds, threshold: stored.threshold, minRelevant: stored.minRelevant }
    : defaults;
  const set = Object.fromEntries(Object.entries(changes.data ?? {}).filter(([, v]) => v !== undefined));
  return { mode: "corrective", corrective: { ...base, ...set } };
}
