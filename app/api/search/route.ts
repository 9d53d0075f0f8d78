import { getDb } from "@/db";
import { env } from "@/lib/env";
import { errorResponse } from "@/lib/errors";
import { getEmbedder } from "@/lib/models/server";
import { createRerankClient } from "@/lib/rerank/client";
import { runSearch } from "@/lib/retrieval/search";

import { parseSearchRequest, readJson } from "./schema";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const reranker = createRerankClient({
  url: env.RERANKER_URL,
  deadlineMs: env.RERANK_DEADLINE_MS,
});

/** Hybrid search + rerank, recorded as a run: `{ runId, reranked, rerankSkippedReason?, timings, results }`. */
export async function POST(request: Request) {
  try {
    const params = parseSearchRequest(await readJson(request, "bad_request:search"));
    const [db, embedder] = await Promise.all([getDb(), getEmbedder()]);
    return Response.json(await runSearch({ db, embedder, reranker, params }));
  } catch (error) {
    return errorResponse(error, "search");
  }
}
