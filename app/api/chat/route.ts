import { createUIMessageStreamResponse } from "ai";
import { z } from "zod";

import { searchableDocumentIds } from "@/db/queries/access";
import { ensureConversation, finishTurn, getTurns, startTurn, type TurnCitation } from "@/db/queries/conversations";
import { setRunAnswer } from "@/db/queries/runs";
import { guard } from "@/lib/auth/guard";
import { viewerOf } from "@/lib/auth/principal";
import { titleOf } from "@/lib/chat/conversation";
import { buildRetrievalQuery, CONTEXT_TURNS, type ConversationParams } from "@/lib/chat/follow-up";
import { env } from "@/lib/env";
import { AppError, errorResponse } from "@/lib/errors";
import { observeSearch } from "@/lib/metrics/app";
import { createChatStream } from "@/lib/generate/chat";
import { llmConfigFrom } from "@/lib/generate/llm";
import { searchDependencies } from "@/lib/retrieval/server";
import { searchInMode } from "@/lib/retrieval/corrective/loop";
import type { SearchParams } from "@/lib/retrieval/search";

import { readJson } from "../search/schema";
import { parseChatRequest } from "./schema";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const citationMarkers = /\[\d+(?:\s*,\s*\d+)*\]/g;

/**
 * Retrieval first (its failures are plain JSON errors), then the answer as an AI SDK UI message
 * stream: `data-query`, `data-run`, the cited answer text, `data-citations`. With a uuid conversationId
 * the question is a turn of that saved conversation: its earlier turns make the retrieval query of a
 * follow-up (and, with an LLM, the answer's context), and the answer is saved with it.
 */
export async function POST(request: Request) {
  try {
    const principal = await guard(request, { need: "read", surface: "chat", limit: "chat" });
    const chat = parseChatRequest(await readJson(request, "bad_request:chat"));
    const deps = await searchDependencies();
    const { db } = deps;
    const viewer = viewerOf(principal);
    const scope = chat.params.documentIds ?? [];

    // A scope naming a document the user cannot read (deleted, or never theirs) is an error, not a
    // silently smaller search.
    if (scope.length > 0) {
      const visible = await searchableDocumentIds({ db, viewer, documentIds: scope });
      const missing = scope.length - (visible?.length ?? 0);
      if (missing > 0) {
        throw new AppError(
          "not_found:chat",
          `${missing === 1 ? "One of the documents" : `${missing} of the documents`} this question is limited to no longer exists. Remove it from the scope and ask again.`,
        );
      }
    }

    const saved = chat.conversationId && z.uuid().safeParse(chat.conversationId).success ? chat.conversationId : null;
    let question = chat.message;
    let turns: Awaited<ReturnType<typeof getTurns>> = [];
    if (saved) {
      const conversation = await ensureConversation({
        db,
        id: saved,
        userId: principal.userId,
        title: titleOf(question),
        documentIds: scope,
      });
      if (!conversation) throw new AppError("not_found:chat", "No conversation with this id.");
      turns = await getTurns({ db, conversationId: saved });
      if (chat.replaceTurnId) {
        const last = turns.at(-1);
        if (!last || last.id !== chat.replaceTurnId) {
          throw new AppError("conflict:chat", "Only the last answer of a conversation can be regenerated.");
        }
        question = last.question;
        turns = turns.slice(0, -1);
      }
    } else if (chat.replaceTurnId) {
      throw new AppError("bad_request:chat", "replaceTurnId needs the uuid of a saved conversation.");
    }

    const llm = llmConfigFrom(env);
    const retrieval = await buildRetrievalQuery({ question, turns, llm });
    const turnId = saved ? (chat.replaceTurnId ?? crypto.randomUUID()) : null;
    const { query: retrievalQuery, usage: _usage, ...rewrite } = retrieval;
    const conversation: ConversationParams = { ...rewrite, retrievalQuery, conversationId: saved, turnId };
    const params: SearchParams & { conversation: ConversationParams } = {
      ...chat.params,
      query: retrievalQuery,
      conversation,
    };

    const search = await searchInMode(chat.mode ?? "single", { ...deps, params, viewer });
    observeSearch(search.timings, {
      asked: chat.params.rerank,
      reranked: search.reranked,
      reason: search.rerankSkippedReason,
    });
    if (saved && turnId) {
      const started = await startTurn({
        db,
        conversationId: saved,
        turn: { id: turnId, question, retrievalQuery, rewrite, scopeDocumentIds: scope, runId: search.runId },
        ...(chat.replaceTurnId ? { replaceTurnId: chat.replaceTurnId } : {}),
      });
      if (!started) throw new AppError("conflict:chat", "Only the last answer of a conversation can be regenerated.");
    }

    const names = new Map(search.results.map((r) => [r.chunkId, r.documentName]));
    const answerStarted = performance.now();
    const stream = createChatStream({
      // An LLM answers the question with the conversation before it; the extractive answer picks
      // sentences, which the standalone retrieval query describes better than "Who rang it?".
      query: llm ? question : retrievalQuery,
      history: llm
        ? turns
            .slice(-CONTEXT_TURNS)
            .filter((t) => t.answer)
            .map((t) => ({ question: t.question, answer: t.answer!.replace(citationMarkers, "").trim() }))
        : [],
      retrieval: {
        question,
        query: retrievalQuery,
        method: retrieval.method,
        reason: retrieval.reason,
        ...(retrieval.fallbackReason ? { fallbackReason: retrieval.fallbackReason } : {}),
        ...(scope.length > 0 ? { documentIds: scope } : {}),
      },
      ...(turnId ? { turnId } : {}),
      topN: chat.params.topN,
      search,
      llm,
      minScore: env.ANSWER_MIN_SCORE,
      abortSignal: request.signal,
      saveAnswer: async ({ answerChunkIds, answer, citations, mode, stopped }) => {
        await setRunAnswer({
          db,
          id: search.runId,
          answerChunkIds,
          answer,
          generationMs: Math.round((performance.now() - answerStarted) * 100) / 100,
        });
        if (turnId) {
          await finishTurn({
            db,
            turnId,
            answer,
            answerMode: mode,
            citations: citations.map((c): TurnCitation => ({ ...c, documentName: names.get(c.chunkId) ?? "" })),
            status: stopped ? "stopped" : "done",
          });
        }
      },
    });
    return createUIMessageStreamResponse({ stream });
  } catch (error) {
    return errorResponse(error, "chat");
  }
}
