import type { UIMessage } from "ai";
import type { Citation, RunData } from "@/components/api-types";

/** Custom data parts of the chat stream (see lib/generate/ui-message.ts on the server). */
export type ChatDataParts = {
  run: RunData;
  citations: Citation[];
};

export interface ChatMetadata {
  runId?: string;
  answerMode?: "llm" | "extractive" | "llm-fallback" | "not-found" | string;
  fallbackReason?: string;
}

export type ChatMessage = UIMessage<ChatMetadata, ChatDataParts>;

export interface AssistantContent {
  text: string;
  run?: RunData;
  citations?: Citation[];
}

/** Text and the latest data parts of one message. */
export function contentOf(message: ChatMessage): AssistantContent {
  const out: AssistantContent = { text: "" };
  for (const part of message.parts) {
    if (part.type === "text") out.text += part.text;
    else if (part.type === "data-run") out.run = part.data;
    else if (part.type === "data-citations") out.citations = part.data;
  }
  return out;
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
