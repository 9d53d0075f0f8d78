import { createUIMessageStream, type UIMessage } from "ai";

import { log } from "@/lib/log";
import type { SearchResponse } from "@/lib/retrieval/search";
import { withSpan } from "@/lib/telemetry/tracing";

import { writeAnswer, type AnswerOutcome } from "./answer";
import type { LlmConfig, PreviousTurn } from "./llm";
import { passagesFromResults, type Citation } from "./types";
import type { AnswerMode, RankLensDataParts, RankLensMessageMetadata } from "./ui-message";

/** `data-query`: what retrieval searched for, sent first; the chat shows it when it is not the question. */
export interface QueryDataPart {
  question: string;
  /** The retrieval query (the question, or its rewrite from the conversation). */
  query: string;
  method: string;
  reason: string;
  fallbackReason?: string;
  /** The documents the question was limited to; absent: all. */
  documentIds?: string[];
}

export type ChatDataParts = RankLensDataParts & { query: QueryDataPart };
export type ChatMessageMetadata = RankLensMessageMetadata & {
  /** The saved conversation turn this answer is (absent when the conversation is not saved). */
  turnId?: string;
};
export type ChatUIMessage = UIMessage<ChatMessageMetadata, ChatDataParts>;

export interface SavedAnswer {
  answerChunkIds: number[];
  answer: string;
  citations: Citation[];
  mode: AnswerMode;
  /** The client went away (Stop) before the answer was complete: `answer` is what was written. */
  stopped: boolean;
}

export interface ChatStreamArgs {
  /** The text the answer answers (the question; without an LLM, better the standalone retrieval query). */
  query: string;
  topN: number;
  search: SearchResponse;
  llm: LlmConfig | null;
  minScore?: number;
  abortSignal?: AbortSignal;
  wordDelayMs?: number;
  /** Earlier turns, for an LLM answer. */
  history?: PreviousTurn[];
  /** Sent as `data-query` before the rankings. */
  retrieval?: QueryDataPart;
  /** The saved turn: the assistant message's id and metadata carry it. */
  turnId?: string;
  /** Records the answer (setRunAnswer, the conversation turn). Failures are logged, not streamed. */
  saveAnswer?: (answer: SavedAnswer) => Promise<unknown>;
  onAnswer?: (outcome: AnswerOutcome) => void;
}

/**
 * The chat response as a UI message stream: `data-run` (the rankings), the answer text, then
 * `data-citations`; the finish chunk carries how the answer was made.
 */
export function createChatStream({
  query,
  topN,
  search,
  llm,
  minScore,
  abortSignal,
  wordDelayMs,
  history,
  retrieval,
  turnId,
  saveAnswer,
  onAnswer,
}: ChatStreamArgs) {
  const turn = turnId ? { turnId } : {};
  return createUIMessageStream<ChatUIMessage>({
    execute: async ({ writer }) => {
      writer.write({
        type: "start",
        ...(turnId ? { messageId: turnId } : {}),
        messageMetadata: { runId: search.runId, ...turn },
      });
      if (retrieval) writer.write({ type: "data-query", data: retrieval });
      writer.write({
        type: "data-run",
        data: {
          runId: search.runId,
          reranked: search.reranked,
          ...(search.rerankSkippedReason ? { rerankSkippedReason: search.rerankSkippedReason } : {}),
          results: search.results,
        },
      });

      const outcome = await withSpan("generate", { "ranklens.run_id": search.runId }, async (span) => {
        const answered = await writeAnswer({
          writer,
          query,
          passages: passagesFromResults(search.results, topN),
          llm,
          ...(history && history.length > 0 ? { history } : {}),
          ...(minScore !== undefined ? { minScore } : {}),
          ...(abortSignal ? { abortSignal } : {}),
          ...(wordDelayMs !== undefined ? { wordDelayMs } : {}),
        });
        span?.setAttributes({
          "ranklens.answer.mode": answered.mode,
          "ranklens.answer.citations": answered.citations.length,
        });
        return answered;
      });
      onAnswer?.(outcome);

      if (saveAnswer) {
        try {
          await saveAnswer({
            answerChunkIds: outcome.citations.map((c) => c.chunkId),
            answer: outcome.text,
            citations: outcome.citations,
            mode: outcome.mode,
            stopped: abortSignal?.aborted ?? false,
          });
        } catch (error) {
          log.error("could not record the answer", { runId: search.runId, error });
        }
      }

      writer.write({
        type: "finish",
        finishReason: "stop",
        messageMetadata: {
          runId: search.runId,
          ...turn,
          answerMode: outcome.mode,
          ...(outcome.fallbackReason ? { fallbackReason: outcome.fallbackReason } : {}),
        },
      });
    },
    onError: () => "The answer could not be completed.",
  });
}
