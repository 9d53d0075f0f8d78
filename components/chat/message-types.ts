import type { UIMessage } from "ai";
import type { Citation, RunData } from "@/components/api-types";
import type { ConversationDetail, ConversationTurn } from "@/db/queries/conversations";
import type { QueryDataPart } from "@/lib/generate/chat";

export type { QueryDataPart };

/** A citation; saved turns also carry the document's name (blank once the document is deleted). */
export type ChatCitation = Citation & { documentName?: string; deleted?: true };

/** Custom data parts of the chat stream (see lib/generate/chat.ts on the server). */
export type ChatDataParts = {
  run: RunData;
  citations: ChatCitation[];
  query: QueryDataPart;
};

export interface ChatMetadata {
  runId?: string;
  /** The saved conversation turn (the assistant message's id is the same). */
  turnId?: string;
  answerMode?: "llm" | "extractive" | "llm-fallback" | "not-found" | string;
  fallbackReason?: string;
  /** Restored from the server: how the turn ended. */
  status?: ConversationTurn["status"];
  answerRedacted?: boolean;
  /** On a user message: the documents the question was limited to. */
  documentIds?: string[];
}

export type ChatMessage = UIMessage<ChatMetadata, ChatDataParts>;

export interface AssistantContent {
  text: string;
  run?: RunData;
  citations?: ChatCitation[];
  query?: QueryDataPart;
}

/** Text and the latest data parts of one message. */
export function contentOf(message: ChatMessage): AssistantContent {
  const out: AssistantContent = { text: "" };
  for (const part of message.parts) {
    if (part.type === "text") out.text += part.text;
    else if (part.type === "data-run") out.run = part.data;
    else if (part.type === "data-citations") out.citations = part.data;
    else if (part.type === "data-query") out.query = part.data;
  }
  return out;
}

export function textOf(message: ChatMessage): string {
  return message.parts.map((p) => (p.type === "text" ? p.text : "")).join("");
}

/** A saved conversation as the chat's messages: each turn a question and (if any) its answer. */
export function messagesOf(detail: ConversationDetail): ChatMessage[] {
  return detail.turns.flatMap((t): ChatMessage[] => {
    const scope = t.scopeDocumentIds.length > 0 ? { documentIds: t.scopeDocumentIds } : {};
    const question: ChatMessage = {
      id: `${t.id}-question`,
      role: "user",
      metadata: scope,
      parts: [{ type: "text", text: t.question }],
    };
    const answer: ChatMessage = {
      id: t.id,
      role: "assistant",
      metadata: {
        turnId: t.id,
        ...(t.runId ? { runId: t.runId } : {}),
        ...(t.answerMode ? { answerMode: t.answerMode } : {}),
        status: t.status,
        ...(t.answerRedacted ? { answerRedacted: true } : {}),
      },
      parts: [
        {
          type: "data-query",
          data: {
            question: t.question,
            query: t.retrievalQuery,
            method: t.rewrite.method,
            reason: t.rewrite.reason,
            ...(t.rewrite.fallbackReason ? { fallbackReason: t.rewrite.fallbackReason } : {}),
            ...scope,
          },
        },
        ...(t.answer ? [{ type: "text" as const, text: t.answer }] : []),
        { type: "data-citations", data: t.citations },
      ],
    };
    return [question, answer];
  });
}

/** The error a failed chat request carries: the transport puts the raw response body in the message. */
export function chatErrorMessage(error: Error): string {
  try {
    const body = JSON.parse(error.message) as { error?: { message?: string } };
    if (body?.error?.message) return body.error.message;
  } catch {
    // Not JSON: use the message as it is.
  }
  return error.message || "The answer could not be generated.";
}
