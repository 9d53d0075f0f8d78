import type { InferUIMessageChunk } from "ai";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

import { createChatStream } from "./chat";
import { DEFAULT_MOCK_ANSWER, startMockOpenAIServer, type MockOpenAIServer } from "./openai-server.mock";
import { collect, searchResponse } from "./search-response.mock";
import type { LlmConfig } from "./llm";
import type { RankLensUIMessage } from "./ui-message";

type Chunk = InferUIMessageChunk<RankLensUIMessage>;

// The LLM path end to end over real HTTP: @ai-sdk/openai-compatible → a local server speaking the
// OpenAI chat completions streaming wire format.

let server: MockOpenAIServer;
beforeAll(async () => {
  server = await startMockOpenAIServer();
});
afterAll(async () => {
  await server.close();
});

const config = (): LlmConfig => ({
  baseURL: server.baseURL,
  model: "mock-model",
  apiKey: "test-key",
});

async function ask(query: string, llm: LlmConfig, saveAnswer = vi.fn(async () => {})) {
  const chunks = (await collect(
    createChatStream({
      query,
      topN: 5,
      search: searchResponse,
      llm,
      wordDelayMs: 0,
      saveAnswer,
    }),
  )) as Chunk[];
  const text = chunks.flatMap((c) => (c.type === "text-delta" ? [c.delta] : [])).join("");
  const citations = chunks.find((c) => c.type === "data-citations") as
    Extract<Chunk, { type: "data-citations" }> | undefined;
  const finish = chunks.at(-1) as Extract<Chunk, { type: "finish" }>;
  return {
    chunks,
    text,
    citations: citations?.data as { n: number; chunkId: number }[],
    finish,
    saveAnswer,
  };
}

describe("LLM answers over an OpenAI-compatible endpoint", () => {
  it("streams the model's text and cites the passages it names", async () => {
    server.mode = "ok";
    server.requests.length = 0;
    const { chunks, text, citations, finish, saveAnswer } = await ask("What does the reranker do?", config());

    expect(text).toBe(DEFAULT_MOCK_ANSWER);
    expect(chunks.filter((c) => c.type === "text-delta").length).toBeGreaterThan(3);
    expect(chunks.map((c) => c.type).slice(0, 3)).toEqual(["start", "data-run", "text-start"]);
    expect(citations).toEqual([
      expect.objectContaining({
        n: 1,
        chunkId: searchResponse.results[0].chunkId,
        documentId: searchResponse.results[0].documentId,
      }),
    ]);
    expect(finish.messageMetadata).toMatchObject({ answerMode: "llm" });
    expect(saveAnswer).toHaveBeenCalledWith({
      answerChunkIds: [searchResponse.results[0].chunkId],
      answer: DEFAULT_MOCK_ANSWER,
      citations: [
        expect.objectContaining({
          n: 1,
          chunkId: searchResponse.results[0].chunkId,
          documentId: searchResponse.results[0].documentId,
        }),
      ],
      mode: "llm",
      stopped: false,
    });
  });

  it("sends the numbered top-n passages as untrusted data in the system prompt", async () => {
    server.mode = "ok";
    server.requests.length = 0;
    await ask("What does the reranker do?", config());

    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request.path).toBe("/v1/chat/completions");
    expect(request.headers.authorization).toBe("Bearer test-key");
    expect(request.body).toMatchObject({ model: "mock-model", stream: true });
    const [system, user] = request.body.messages!;
    expect(system.role).toBe("system");
    expect(system.content).toContain(
      `<passage n="1" document="rerank.md">\n${searchResponse.results[0].text}\n</passage>`,
    );
    expect(system.content).toContain('<passage n="5"');
    expect(system.content).not.toContain("sixth passage");
    expect(system.content).toMatch(/untrusted data/);
    // No tools are offered, so nothing a passage says can be called.
    expect(request.body.tools).toBeUndefined();
    expect(request.body.tool_choice).toBeUndefined();
    expect(user).toEqual({
      role: "user",
      content: "What does the reranker do?",
    });
  });

  it("falls back to the extractive answer, with a note, when the endpoint answers 500", async () => {
    server.mode = "fail";
    const { chunks, text, citations, finish } = await ask("What does the reranker do?", config());

    expect(text).toMatch(/^_The language model is unavailable \(HTTP 500 from the endpoint\)/);
    expect(text).toContain("The reranker reorders the fused candidates by relevance [1].");
    expect(citations.map((c) => c.n)).toEqual([1]);
    expect(chunks.some((c) => c.type === "error")).toBe(false);
    expect(finish).toMatchObject({
      type: "finish",
      messageMetadata: {
        answerMode: "llm-fallback",
        fallbackReason: "HTTP 500 from the endpoint",
      },
    });
  });

  it("keeps what streamed and appends the extractive answer when the connection drops mid-answer", async () => {
    server.mode = "cut";
    const { text, citations, finish } = await ask("What does the reranker do?", config());

    expect(DEFAULT_MOCK_ANSWER.startsWith(text.split("\n\n")[0])).toBe(true);
    expect(text).toContain("The language model stopped mid-answer");
    expect(text).toContain("The reranker reorders the fused candidates by relevance [1].");
    expect(citations.map((c) => c.n)).toEqual([1]);
    expect(finish.messageMetadata).toMatchObject({
      answerMode: "llm-fallback",
    });
  });

  it("falls back when nothing listens at the endpoint", async () => {
    const down = await startMockOpenAIServer();
    const baseURL = down.baseURL;
    await down.close();
    const { text, finish } = await ask("What does the reranker do?", {
      baseURL,
      model: "m",
    });
    expect(text).toMatch(/^_The language model is unavailable/);
    expect(text).toContain("[1]");
    expect(finish.messageMetadata).toMatchObject({
      answerMode: "llm-fallback",
    });
  });
});
