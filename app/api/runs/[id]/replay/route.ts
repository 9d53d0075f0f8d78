import { z } from "zod";

import { getLabelsForQuery } from "@/db/queries/labels";
import { getChunksByIds } from "@/db/queries/retrieval";
import { getRetrievalRunById, type ReplayParams } from "@/db/queries/runs";
import { guard } from "@/lib/auth/guard";
import { env } from "@/lib/env";
import { llmConfigFrom } from "@/lib/generate/llm";
import { viewerOf } from "@/lib/auth/principal";
import { AppError, errorResponse } from "@/lib/errors";
import { readJsonBody } from "@/lib/http/read-json";
import { observeSearch } from "@/lib/metrics/app";
import { searchDependencies } from "@/lib/retrieval/server";
import { correctiveOptionsFrom, runCorrectiveSearch } from "@/lib/retrieval/corrective/loop";
import { runSearch } from "@/lib/retrieval/search";

import { compareRuns } from "./compare";
import { parseReplayMode, parseReplayRequest } from "./schema";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * What-if replay: the run's query again, over the same documents, with changed k, topN, fusion or rerank,
 * in either mode (`mode`, default the original's; `corrective: { maxRounds, threshold, minRelevant }`, each
 * default the original's, else the environment's); recorded as a new run of the caller's that names the
 * original (`replayOf`). 201 `{ run, comparison }`;
 * 404 unless the original is the caller's; 400 naming the wrong fields.
 */
export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  try {
    const principal = await guard(request, { need: "read", surface: "search", limit: "search" });
    const body = await readJsonBody(request, "search");
    const { id } = await params;
    const notFound = new AppError("not_found:run", "No run with this id.");
    if (!z.uuid().safeParse(id).success) throw notFound;
    const deps = await searchDependencies();
    const { db } = deps;
    const userId = principal.userId;
    const original = await getRetrievalRunById({ db, id, userId });
    if (!original) throw notFound;
    const searchParams = parseReplayRequest(body, original);
    const defaults = correctiveOptionsFrom(env, null);
    const mode = parseReplayMode(body, original, defaults);

    const viewer = viewerOf(principal);
    // runSearch stores the params it is given as the run's params, so the link is written with the run.
    const replayParams: ReplayParams = { ...searchParams, replayOf: original.runId };
    const result =
      mode.mode === "corrective"
        ? await runCorrectiveSearch({
            ...deps,
            params: replayParams,
            viewer,
            options: { ...mode.corrective, llm: llmConfigFrom(env) },
          })
        : await runSearch({ ...deps, params: replayParams, viewer });
    observeSearch(result.timings, {
      asked: searchParams.rerank,
      reranked: result.reranked,
      reason: result.rerankSkippedReason,
    });
    const replay = await getRetrievalRunById({ db, id: result.runId, userId });
    if (!replay) throw new Error(`replay run ${result.runId} was not recorded`);

    // As in the golden-set evaluation: judgements of passages the caller can no longer read are left out.
    const { labels } = await getLabelsForQuery({ db, userId, query: original.query });
    const readable = new Set(
      (await getChunksByIds({ db, ids: labels.map((l) => l.chunkId), viewer })).map((c) => c.chunkId),
    );
    const grades = new Map(labels.filter((l) => readable.has(l.chunkId)).map((l) => [l.chunkId, l.grade as number]));

    return Response.json({ run: replay, comparison: compareRuns({ original, replay, grades }) }, { status: 201 });
  } catch (error) {
    return errorResponse(error, "search");
  }
}
