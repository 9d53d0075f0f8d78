import { describe, expect, it } from "vitest";

import { AppError } from "@/lib/errors";

import { parseChatRequest } from "./schema";

const DOC = "11111111-1111-4111-8111-111111111111";

function errorOf(body: unknown): AppError {
  try {
    parseChatRequest(body);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected a bad request");
}

describe("parseChatRequest", () => {
  it("takes { conversationId?, message, ...search parameters }", () => {
    const req = parseChatRequest({
      conversationId: "c1",
      message: "  what is BM25? ",
      k: 20,
      rerank: false,
      documentIds: [DOC],
    });
    expect(req).toMatchObject({
      conversationId: "c1",
      message: "what is BM25?",
      params: {
        query: "what is BM25?",
        k: 20,
        topN: 5,
        rerank: false,
        documentIds: [DOC],
      },
    });
    expect(parseChatRequest({ message: "hi there" })).not.toHaveProperty("conversationId");
  });

  it("takes the useChat transport body and uses the last user message's text", () => {
    const req = parseChatRequest({
      id: "chat-1",
      trigger: "submit-message",
      messageId: undefined,
      messages: [
        {
          id: "m1",
          role: "user",
          parts: [{ type: "text", text: "first question" }],
        },
        {
          id: "m2",
          role: "assistant",
          parts: [
            { type: "data-run", data: {} },
            { type: "text", text: "an answer [1]" },
          ],
        },
        {
          id: "m3",
          role: "user",
          parts: [
            { type: "text", text: "second" },
            { type: "text", text: "question" },
          ],
        },
      ],
      topN: 3,
      fusion: "nvidia",
    });
    expect(req).toEqual({
      conversationId: "chat-1",
      message: "second\nquestion",
      params: {
        query: "second\nquestion",
        k: 30,
        topN: 3,
        fusion: "nvidia",
        rerank: true,
      },
    });
  });

  it("answers 400 with the field at fault", () => {
    expect(errorOf({ message: "" })).toMatchObject({
      code: "bad_request:chat",
      status: 400,
    });
    expect(errorOf({ message: "q", k: 2, topN: 3 }).message).toMatch(/topN/);
    expect(errorOf({ message: "q", documentIds: ["x"] }).message).toMatch(/documentIds/);
    expect(errorOf({ id: "c", messages: [{ role: "assistant", parts: [] }] }).message).toMatch(
      /last user message is missing/,
    );
    expect(
      errorOf({
        id: "c",
        messages: [{ role: "user", parts: [{ type: "text", text: "  " }] }],
      }).message,
    ).toMatch(/must not be empty/);
    expect(errorOf(null).status).toBe(400);
  });
});
