import { createUIMessageStream } from "ai";

import { log } from "@/lib/log";
import type { SearchResponse } from "@/lib/retrieval/search";
import { withSpan } from "@/lib/telemetry/tracing";

import { writeAnswer, type AnswerOutcome } from "./answer";
import type { LlmConfig } from "./llm";
import { passagesFromResults } from "./types";
import type { RankLensUIMessage } from "./ui-message";

export interface ChatStreamArgs {
  query: string;
  topN: number;
  search: SearchResponse;
  llm: LlmConfig | null;
  minScore?: number;
  abortSignal?: AbortSignal;
  wordDelayMs?: number;
  /** Records which chunks the answer cites (setRunAnswer). Failures are logged, not streamed. */
  saveAnswer?: (answer: { answerChunkIds: number[]; answer: string }) => Promise<unknown>;
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
  saveAnswer,
  onAnswer,
}: ChatStreamArgs) {
  return createUIMessageStream<RankLensUIMessage>({
    execute: async ({ writer }) => {
      writer.write({ type: "start", messageMetadata: { runId: search.runId } });
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
          answerMode: outcome.mode,
          ...(outcome.fallbackReason ? { fallbackReason: outcome.fallbackReason } : {}),
        },
      });
    },
    onError: () => "The answer could not be completed.",
  });
}
