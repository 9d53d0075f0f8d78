import { guard } from "@/lib/auth/guard";
import { viewerOf } from "@/lib/auth/principal";
import { errorResponse } from "@/lib/errors";
import { searchDependencies } from "@/lib/retrieval/server";
import { runSearch } from "@/lib/retrieval/search";

import { parseSearchRequest, readJson } from "./schema";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Hybrid search + rerank, recorded as a run: `{ runId, reranked, rerankSkippedReason?, timings, results }`. */
export async function POST(request: Request) {
  try {
    const principal = await guard(request, { need: "read", surface: "search", limit: "search" });
    const params = parseSearchRequest(await readJson(request, "bad_request:search"));
    return Response.json(await runSearch({ ...(await searchDependencies()), params, viewer: viewerOf(principal) }));
  } catch (error) {
    return errorResponse(error, "search");
  }
}
