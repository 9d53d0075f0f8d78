import { guard } from "@/lib/auth/guard";
import { viewerOf } from "@/lib/auth/principal";
import { errorResponse } from "@/lib/errors";
import { observeSearch } from "@/lib/metrics/app";
import { searchDependencies } from "@/lib/retrieval/server";
import { searchInMode } from "@/lib/retrieval/corrective/loop";

import { parseSearchMode, parseSearchRequest, readJson } from "./schema";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * Hybrid search + rerank, recorded as a run: `{ runId, reranked, rerankSkippedReason?, timings, results }`;
 * with `mode: "corrective"`, the corrective loop's result, every round in `corrective`.
 */
export async function POST(request: Request) {
  try {
    const principal = await guard(request, { need: "read", surface: "search", limit: "search" });
    const body = await readJson(request, "bad_request:search");
    const params = parseSearchRequest(body);
    const mode = parseSearchMode(body);
    const result = await searchInMode(mode, { ...(await searchDependencies()), params, viewer: viewerOf(principal) });
    observeSearch(result.timings, {
      asked: params.rerank,
      reranked: result.reranked,
      reason: result.rerankSkippedReason,
    });
    return Response.json(result);
  } catch (error) {
    return errorResponse(error, "search");
  }
}
