import { z } from "zod";

import { AppError } from "@/lib/errors";
import {
  checkTopNWithinK,
  queryTextSchema,
  resolveTopN,
  searchOptionsSchema,
  type SearchParams,
} from "@/lib/retrieval/search";

import { retrievalModeSchema, type RetrievalMode } from "@/lib/retrieval/corrective/loop";

import { describeIssues } from "../search/schema";

const conversationId = z.string().trim().min(1).max(200);

/**
 * `{ conversationId?, replaceTurnId?, message, ...search parameters }`. A uuid conversationId names a saved
 * conversation (created by its first question; the earlier turns are the follow-up's context);
 * replaceTurnId (regenerate) re-asks that conversation's last question, replacing its answer.
 */
export const chatBodySchema = searchOptionsSchema
  .extend({
    conversationId: conversationId.optional(),
    replaceTurnId: z.uuid().optional(),
    message: queryTextSchema,
    mode: retrievalModeSchema.optional(),
  })
  .superRefine(checkTopNWithinK);

const uiMessageSchema = z.object({
  id: z.string().optional(),
  role: z.enum(["system", "user", "assistant"]),
  parts: z.array(z.looseObject({ type: z.string(), text: z.string().optional() })),
});

/** The AI SDK `useChat` + `DefaultChatTransport` body: `{ id, messages, trigger?, messageId?, ...body }`. */
export const chatTransportBodySchema = searchOptionsSchema
  .extend({
    id: conversationId,
    messages: z.array(uiMessageSchema).min(1).max(1000),
    mode: retrievalModeSchema.optional(),
  })
  .superRefine(checkTopNWithinK);

export interface ChatRequest {
  conversationId?: string;
  replaceTurnId?: string;
  message: string;
  /** The search to run; its query is the message. */
  params: SearchParams;
  /** Present when the body gave one; absent: "single". */
  mode?: RetrievalMode;
}

/** Either body shape → ChatRequest, or a 400 AppError naming the bad field. */
export function parseChatRequest(body: unknown): ChatRequest {
  const isTransport = typeof body === "object" && body !== null && "messages" in body && !("message" in body);
  if (!isTransport) {
    const parsed = chatBodySchema.safeParse(body);
    if (!parsed.success) throw new AppError("bad_request:chat", describeIssues(parsed.error));
    const { conversationId, replaceTurnId, message, mode, ...options } = parsed.data;
    if (replaceTurnId && !conversationId) throw new AppError("bad_request:chat", "replaceTurnId needs a conversationId.");
    return {
      ...toRequest(conversationId, message, options),
      ...(replaceTurnId ? { replaceTurnId } : {}),
      ...(mode ? { mode } : {}),
    };
  }

  const parsed = chatTransportBodySchema.safeParse(body);
  if (!parsed.success) throw new AppError("bad_request:chat", describeIssues(parsed.error));
  const { id, messages, mode, ...options } = parsed.data;
  const lastUser = messages.findLast((m) => m.role === "user");
  const text = lastUser?.parts
    .filter((p) => p.type === "text" && typeof p.text === "string")
    .map((p) => p.text)
    .join("\n");
  const message = queryTextSchema.safeParse(text ?? "");
  if (!message.success) {
    throw new AppError(
      "bad_request:chat",
      `The last user message ${lastUser ? describeIssues(message.error) : "is missing"}.`,
    );
  }
  return { ...toRequest(id, message.data, options), ...(mode ? { mode } : {}) };
}

function toRequest(
  conversationId: string | undefined,
  message: string,
  options: z.output<typeof searchOptionsSchema>,
): ChatRequest {
  const { k, topN, fusion, rerank, documentIds, bm25 } = options;
  return {
    ...(conversationId ? { conversationId } : {}),
    message,
    params: {
      query: message,
      k,
      topN: resolveTopN({ k, topN }),
      fusion,
      rerank,
      ...(documentIds ? { documentIds } : {}),
      ...(bm25 ? { bm25 } : {}),
    },
  };
}
