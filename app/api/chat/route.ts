import { createUIMessageStreamResponse } from "ai";

import { getDb } from "@/db";
import { setRunAnswer } from "@/db/queries/runs";
import { env } from "@/lib/env";
import { errorResponse } from "@/lib/errors";
import { createChatStream } from "@/lib/generate/chat";
import { llmConfigFrom } from "@/lib/generate/llm";
import { getEmbedder } from "@/lib/models/server";
import { createRerankClient } from "@/lib/rerank/client";
import { runSearch } from "@/lib/retrieval/search";

import { readJson } from "../search/schema";
import { parseChatRequest } from "./schema";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const reranker = createRerankClient({
  url: env.RERANKER_URL,
  deadlineMs: env.RERANK_DEADLINE_MS,
});

/**
 * Retrieval first (its failures are plain JSON errors), then the answer as an AI SDK UI message
 * stream: `data-run`, the cited answer text, `data-citations`.
 */
export async function POST(request: Request) {
  try {
    const chat = parseChatRequest(await readJson(request, "bad_request:chat"));
    const [db, embedder] = await Promise.all([getDb(), getEmbedder()]);
    const search = await runSearch({
      db,
      embedder,
      reranker,
      params: chat.params,
    });

    const stream = createChatStream({
      query: chat.message,
      topN: chat.params.topN,
      search,
      llm: llmConfigFrom(env),
      minScore: env.ANSWER_MIN_SCORE,
      abortSignal: request.signal,
      saveAnswer: ({ answerChunkIds, answer }) => setRunAnswer({ db, id: search.runId, answerChunkIds, answer }),
    });
    return createUIMessageStreamResponse({ stream });
  } catch (error) {
    return errorResponse(error, "chat");
  }
}
