import { createUIMessageStreamResponse } from "ai";

import { setRunAnswer } from "@/db/queries/runs";
import { guard } from "@/lib/auth/guard";
import { viewerOf } from "@/lib/auth/principal";
import { env } from "@/lib/env";
import { errorResponse } from "@/lib/errors";
import { observeSearch } from "@/lib/metrics/app";
import { createChatStream } from "@/lib/generate/chat";
import { llmConfigFrom } from "@/lib/generate/llm";
import { searchDependencies } from "@/lib/retrieval/server";
import { searchInMode } from "@/lib/retrieval/corrective/loop";

import { readJson } from "../search/schema";
import { parseChatRequest } from "./schema";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * Retrieval first (its failures are plain JSON errors), then the answer as an AI SDK UI message
 * stream: `data-run`, the cited answer text, `data-citations`.
 */
export async function POST(request: Request) {
  try {
    const principal = await guard(request, { need: "read", surface: "chat", limit: "chat" });
    const chat = parseChatRequest(await readJson(request, "bad_request:chat"));
    const deps = await searchDependencies();
    const search = await searchInMode(chat.mode ?? "single", {
      ...deps,
      params: chat.params,
      viewer: viewerOf(principal),
    });
    observeSearch(search.timings, {
      asked: chat.params.rerank,
      reranked: search.reranked,
      reason: search.rerankSkippedReason,
    });

    const answerStarted = performance.now();
    const stream = createChatStream({
      query: chat.message,
      topN: chat.params.topN,
      search,
      llm: llmConfigFrom(env),
      minScore: env.ANSWER_MIN_SCORE,
      abortSignal: request.signal,
      saveAnswer: ({ answerChunkIds, answer }) =>
        setRunAnswer({
          db: deps.db,
          id: search.runId,
          answerChunkIds,
          answer,
          generationMs: Math.round((performance.now() - answerStarted) * 100) / 100,
        }),
    });
    return createUIMessageStreamResponse({ stream });
  } catch (error) {
    return errorResponse(error, "chat");
  }
}
