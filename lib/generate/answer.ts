import { APICallError, generateId, RetryError, type UIMessageStreamWriter } from "ai";

import { extractiveAnswer } from "./extractive";
import { streamLlmAnswer, type LlmConfig, type PreviousTurn } from "./llm";
import { citationsFromText, NOT_FOUND_ANSWER, type AnswerPassage, type Citation } from "./types";
import type { AnswerMode, RankLensUIMessage } from "./ui-message";

export interface WriteAnswerArgs {
  writer: UIMessageStreamWriter<RankLensUIMessage>;
  query: string;
  /** The top-n passages, numbered from 1 in final rank order. */
  passages: AnswerPassage[];
  /** null → extractive answer. */
  llm: LlmConfig | null;
  /** Earlier turns of a chat, for the LLM (the extractive answer does not use them). */
  history?: PreviousTurn[];
  /** Floor on the top passage's score (env.ANSWER_MIN_SCORE). */
  minScore?: number;
  abortSignal?: AbortSignal;
  /** Pause between the word groups of a non-LLM answer, so it streams like one. */
  wordDelayMs?: number;
  llmTimeout?: { totalMs?: number; chunkMs?: number };
}

export interface AnswerOutcome {
  mode: AnswerMode;
  text: string;
  citations: Citation[];
  fallbackReason?: string;
}

/**
 * Streams the answer text (one text part) and then a `data-citations` part. Never throws for an
 * LLM failure: the extractive answer takes over, after a short note saying so.
 */
export async function writeAnswer({
  writer,
  query,
  passages,
  llm,
  history,
  minScore = Number.NEGATIVE_INFINITY,
  abortSignal,
  wordDelayMs = 12,
  llmTimeout,
}: WriteAnswerArgs): Promise<AnswerOutcome> {
  const id = generateId();
  let text = "";
  const emit = (delta: string) => {
    if (!delta) return;
    text += delta;
    writer.write({ type: "text-delta", id, delta });
  };
  const emitPaced = async (value: string) => {
    for (const group of wordGroups(value)) {
      if (abortSignal?.aborted) return;
      emit(group);
      if (wordDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, wordDelayMs));
    }
  };

  writer.write({ type: "text-start", id });
  let mode: AnswerMode;
  let fallbackReason: string | undefined;

  if (passages.length === 0 || passages[0].score < minScore) {
    mode = "not-found";
    await emitPaced(NOT_FOUND_ANSWER);
  } else if (llm) {
    let failure: unknown = null;
    try {
      const result = streamLlmAnswer({
        config: llm,
        query,
        passages,
        ...(history ? { history } : {}),
        ...(abortSignal ? { abortSignal } : {}),
        ...(llmTimeout ? { timeout: llmTimeout } : {}),
      });
      for await (const part of result.fullStream) {
        if (part.type === "text-delta") emit(part.text);
        else if (part.type === "error") {
          failure = part.error;
          break;
        } else if (part.type === "abort") break;
      }
      if (!failure && !text.trim() && !abortSignal?.aborted) failure = new Error("the model returned no text");
    } catch (error) {
      failure = error;
    }

    if (failure) {
      mode = "llm-fallback";
      fallbackReason = describeLlmError(failure);
      const extractive = extractiveAnswer(query, passages, { minScore });
      const note = text
        ? `\n\n_The language model stopped mid-answer (${fallbackReason}); the most relevant sentences from your documents follow._\n\n`
        : `_The language model is unavailable (${fallbackReason}), so this answer quotes the most relevant sentences from your documents._\n\n`;
      await emitPaced(note);
      await emitPaced(extractive.text);
    } else {
      mode = "llm";
    }
  } else {
    const extractive = extractiveAnswer(query, passages, { minScore });
    mode = extractive.found ? "extractive" : "not-found";
    await emitPaced(extractive.text);
  }

  writer.write({ type: "text-end", id });
  const citations = citationsFromText(text, passages);
  writer.write({ type: "data-citations", data: citations });
  return {
    mode,
    text,
    citations,
    ...(fallbackReason ? { fallbackReason } : {}),
  };
}

/** Splits text into groups of a few words, keeping every character (whitespace included). */
export function wordGroups(text: string, size = 3): string[] {
  const words = text.match(/\s*\S+\s*/g) ?? (text ? [text] : []);
  const groups: string[] = [];
  for (let i = 0; i < words.length; i += size) groups.push(words.slice(i, i + size).join(""));
  return groups;
}

/** A short, secret-free reason for the note and the run record. */
export function describeLlmError(error: unknown): string {
  if (RetryError.isInstance(error)) return describeLlmError(error.lastError);
  if (APICallError.isInstance(error)) {
    return error.statusCode ? `HTTP ${error.statusCode} from the endpoint` : "could not reach the endpoint";
  }
  if (error instanceof Error) {
    if (error.name === "AbortError" || error.name === "TimeoutError") return "it timed out";
    return error.message.split("\n")[0].slice(0, 120);
  }
  return "unknown error";
}
