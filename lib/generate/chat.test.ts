import type { InferUIMessageChunk } from "ai";
import { readUIMessageStream } from "ai";
import { describe, expect, it, vi } from "vitest";

import { createChatStream } from "./chat";
import { startMockOpenAIServer } from "./openai-server.mock";
import { collect, searchResponse } from "./search-response.mock";
import { NOT_FOUND_ANSWER } from "./types";
import type { RankLensUIMessage } from "./ui-message";

type Chunk = InferUIMessageChunk<RankLensUIMessage>;

function stream(query: string, saveAnswer = vi.fn(async () => {})) {
  return createChatStream({
    query,
    topN: 5,
    search: searchResponse,
    llm: null,
    wordDelayMs: 0,
    saveAnswer,
  });
}

describe("createChatStream without an LLM", () => {
  it("sends data-run, then the cited extractive answer in word groups, then data-citations", async () => {
    const saveAnswer = vi.fn(async () => {});
    const chunks = (await collect(stream("What does the reranker do?", saveAnswer))) as Chunk[];
    const types = chunks.map((c) => c.type);

    expect(types[0]).toBe("start");
    expect(types[1]).toBe("data-run");
    expect(types[2]).toBe("text-start");
    expect(types.filter((t) => t === "text-delta").length).toBeGreaterThan(1);
    expect(types.slice(-3)).toEqual(["text-end", "data-citations", "finish"]);

    const run = chunks[1] as Extract<Chunk, { type: "data-run" }>;
    expect(run.data).toEqual({
      runId: searchResponse.runId,
      reranked: true,
      results: searchResponse.results,
    });

    const text = chunks.flatMap((c) => (c.type === "text-delta" ? [c.delta] : [])).join("");
    expect(text).toContain("The reranker reorders the fused candidates by relevance [1].");
    const citations = (chunks.at(-2) as Extract<Chunk, { type: "data-citations" }>).data;
    expect(citations[0]).toEqual({
      n: 1,
      chunkId: 10,
      documentId: searchResponse.results[0].documentId,
      charStart: 0,
      charEnd: searchResponse.results[0].text.length,
    });
    expect(chunks.at(-1)).toMatchObject({
      type: "finish",
      messageMetadata: {
        runId: searchResponse.runId,
        answerMode: "extractive",
      },
    });

    // The passage outside the top five is never used.
    expect(text).not.toContain("sixth");
    expect(saveAnswer).toHaveBeenCalledWith({
      answerChunkIds: citations.map((c) => c.chunkId),
      answer: text,
      citations,
      mode: "extractive",
      stopped: false,
    });
  });

  it("assembles into a typed RankLensUIMessage", async () => {
    let message: RankLensUIMessage | undefined;
    for await (const m of readUIMessageStream<RankLensUIMessage>({
      stream: stream("How does hybrid retrieval fuse rankings?"),
    })) {
      message = m;
    }
    const parts = message!.parts;
    expect(parts.map((p) => p.type)).toEqual(["data-run", "text", "data-citations"]);
    const text = parts.find((p) => p.type === "text")!;
    expect(text.type === "text" && text.text).toMatch(/\[3\]/);
    expect(message!.metadata).toMatchObject({ answerMode: "extractive" });
  });

  it("says it could not find the answer, with no citations", async () => {
    const saveAnswer = vi.fn(async () => {});
    const chunks = (await collect(stream("volcanic eruptions in Iceland", saveAnswer))) as Chunk[];
    const text = chunks.flatMap((c) => (c.type === "text-delta" ? [c.delta] : [])).join("");
    expect(text).toBe(NOT_FOUND_ANSWER);
    expect(chunks.find((c) => c.type === "data-citations")).toMatchObject({
      data: [],
    });
    expect(chunks.at(-1)).toMatchObject({
      messageMetadata: { answerMode: "not-found" },
    });
    expect(saveAnswer).toHaveBeenCalledWith({
      answerChunkIds: [],
      answer: NOT_FOUND_ANSWER,
      citations: [],
      mode: "not-found",
      stopped: false,
    });
  });

  it("still finishes the stream when recording the answer fails", async () => {
    // The failure is logged (lib/log writes error lines to stderr).
    const error = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const chunks = (await collect(
      stream(
        "What does the reranker do?",
        vi.fn(async () => {
          throw new Error("db down");
        }),
      ),
    )) as Chunk[];
    expect(chunks.at(-1)?.type).toBe("finish");
    expect(chunks.some((c) => c.type === "error")).toBe(false);
    expect(error.mock.calls.map((c) => String(c[0])).join("")).toContain('"msg":"could not record the answer"');
    error.mockRestore();
  });

  it("names the saved turn, sends what was searched for first, and reports a stop", async () => {
    const saveAnswer = vi.fn(async () => {});
    const controller = new AbortController();
    const retrieval = {
      question: "Who rang it?",
      query: "Who rang it? kiritomo bell",
      method: "context-terms",
      reason: 'refers back ("it")',
    };
    const s = createChatStream({
      query: retrieval.query,
      topN: 5,
      search: searchResponse,
      llm: null,
      wordDelayMs: 1,
      retrieval,
      turnId: "turn-1",
      abortSignal: controller.signal,
      saveAnswer,
    });
    const chunks: Chunk[] = [];
    const reader = s.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value as Chunk);
      // The user stops once the first words have arrived.
      if (value.type === "text-delta") controller.abort();
    }
    expect(chunks[0]).toMatchObject({ type: "start", messageId: "turn-1", messageMetadata: { turnId: "turn-1" } });
    expect(chunks[1]).toEqual({ type: "data-query", data: retrieval });
    expect(chunks[2].type).toBe("data-run");
    const text = chunks.flatMap((c) => (c.type === "text-delta" ? [c.delta] : [])).join("");
    expect(text.length).toBeGreaterThan(0);
    expect(saveAnswer).toHaveBeenCalledWith(expect.objectContaining({ answer: text, stopped: true }));
    expect(chunks.at(-1)).toMatchObject({ type: "finish", messageMetadata: { turnId: "turn-1" } });
  });
});

describe("createChatStream with an LLM (local OpenAI wire-format server)", () => {
  it("sends the earlier turns before the question", async () => {
    const server = await startMockOpenAIServer({ answer: "Sato rang it [1]." });
    try {
      const chunks = (await collect(
        createChatStream({
          query: "Who rang it?",
          topN: 5,
          search: searchResponse,
          llm: { baseURL: server.baseURL, model: "mock-model" },
          history: [{ question: "When was the bell cast?", answer: "In 1741." }],
        }),
      )) as Chunk[];
      const text = chunks.flatMap((c) => (c.type === "text-delta" ? [c.delta] : [])).join("");
      expect(text).toBe("Sato rang it [1].");
      const messages = server.requests[0].body.messages!;
      expect(messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
      expect(messages.slice(1).map((m) => m.content)).toEqual(["When was the bell cast?", "In 1741.", "Who rang it?"]);
    } finally {
      await server.close();
    }
  });
});
