import { beforeEach, describe, expect, it, vi } from "vitest";

// The route handlers' wiring (parse → search → respond/stream), with the database queries and the
// embedder replaced by in-memory doubles. Retrieval and generation themselves are tested in lib/.

const { runs, setRunAnswer } = vi.hoisted(() => {
  const runs = new Map<string, Record<string, unknown>>();
  const setRunAnswer = vi.fn(
    async ({ id, answerChunkIds, answer }: { id: string; answerChunkIds: number[]; answer: string }) => {
      Object.assign(runs.get(id) ?? {}, { answerChunkIds, answer });
    },
  );
  return { runs, setRunAnswer };
});

vi.mock("server-only", () => ({}));
vi.mock("@/db", () => ({ getDb: async () => ({}) }));
// Local mode (loopback HOST): the implicit local user; rate limits are counted in the database, tested there.
vi.mock("@/lib/security/rate-limit", () => ({ enforceRateLimit: async () => {} }));
vi.mock("@/lib/rerank/client", () => ({
  createRerankClient: () => ({
    rerank: async () => ({ ok: false, reason: "reranker unavailable: connect ECONNREFUSED", wallMs: 1 }),
  }),
}));
vi.mock("@/lib/models/server", () => {
  const embedder = {
    info: { id: "e", version: "1" },
    dimension: 2,
    embed: async (texts: string[]) => texts.map(() => new Float32Array([1, 0])),
  };
  return { getEmbedder: async () => embedder, getServingEmbedder: async () => embedder };
});
vi.mock("@/db/queries/retrieval", () => ({
  searchBm25: async () => [
    { chunkId: 1, score: 3 },
    { chunkId: 2, score: 1 },
  ],
  searchDense: async () => [{ chunkId: 2, score: 0.5 }],
  getTermIdf: async () => ({}),
  getChunksByIds: async ({ ids }: { ids: number[] }) =>
    ids.map((chunkId) => ({
      chunkId,
      documentId: "11111111-1111-4111-8111-111111111111",
      documentName: "doc.md",
      text: chunkId === 1 ? "The reranker reorders candidates by relevance." : "Unrelated gardening advice here.",
      charStart: chunkId * 100,
      charEnd: chunkId * 100 + 40,
      position: chunkId,
    })),
}));
vi.mock("@/db/queries/access", () => ({
  LOCAL_VIEWER: { userId: "local" },
  searchableDocumentIds: async ({ documentIds }: { documentIds?: string[] }) => documentIds,
}));
vi.mock("@/db/queries/runs", () => ({
  saveRetrievalRun: async ({ run }: { run: { runId: string } }) => void runs.set(run.runId, { ...run }),
  getRetrievalRunById: async ({ id }: { id: string }) => runs.get(id) ?? null,
  setRunAnswer: (args: { id: string; answerChunkIds: number[]; answer: string }) => setRunAnswer(args),
}));

const { POST: chat } = await import("./chat/route");
const { POST: search } = await import("./search/route");
const { GET: getRun } = await import("./runs/[id]/route");

const post = (body: unknown) =>
  new Request("http://localhost/api", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

beforeEach(() => {
  setRunAnswer.mockClear();
});

describe("POST /api/search", () => {
  it("returns the ranking JSON (reranker unreachable → not reranked, with the reason)", async () => {
    const res = await search(post({ query: "what does the reranker do", k: 5 }));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.reranked).toBe(false);
    expect(body.rerankSkippedReason).toMatch(/reranker/);
    expect(body.results).toHaveLength(2);
    expect(Object.keys(body.timings)).toEqual([
      "embedMs",
      "bm25Ms",
      "denseMs",
      "fusionMs",
      "rerankQueueMs",
      "rerankComputeMs",
      "rerankMs",
      "totalMs",
    ]);
  });

  it("answers 400 with a typed error for bad input and for non-JSON bodies", async () => {
    const bad = await search(post({ query: "", k: 500 }));
    expect(bad.status).toBe(400);
    const body = await bad.json();
    expect(body.error.code).toBe("bad_request:search");
    expect(body.error.message).toMatch(/query/);
    expect(body.error.message).toMatch(/k/);
    expect((await search(post("{nope"))).status).toBe(400);
  });
});

describe("POST /api/chat", () => {
  it("streams data-run, the cited answer and data-citations for a useChat transport body", async () => {
    const res = await chat(
      post({
        id: "conv-1",
        trigger: "submit-message",
        messages: [{ id: "m1", role: "user", parts: [{ type: "text", text: "What does the reranker do?" }] }],
        k: 5,
      }),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
    const events = (await res.text())
      .split("\n\n")
      .filter((e) => e.startsWith("data: ") && !e.includes("[DONE]"))
      .map((e) => JSON.parse(e.slice(6)));
    const types = events.map((e) => e.type);
    expect(types.indexOf("data-run")).toBeLessThan(types.indexOf("text-start"));
    expect(types.indexOf("text-end")).toBeLessThan(types.indexOf("data-citations"));
    const text = events
      .filter((e) => e.type === "text-delta")
      .map((e) => e.delta)
      .join("");
    expect(text).toContain("[1]");
    const run = events.find((e) => e.type === "data-run").data;
    expect(events.find((e) => e.type === "data-citations").data[0]).toMatchObject({ n: 1 });
    expect(setRunAnswer).toHaveBeenCalledWith(expect.objectContaining({ id: run.runId, answer: text }));

    const saved = await getRun(new Request("http://localhost"), { params: Promise.resolve({ id: run.runId }) });
    expect(saved.status).toBe(200);
    expect(await saved.json()).toMatchObject({ runId: run.runId, answer: text });
  });

  it("answers 400 before streaming when the message is missing", async () => {
    const res = await chat(post({ conversationId: "c", k: 5 }));
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe("bad_request:chat");
  });
});

describe("GET /api/runs/[id]", () => {
  it("is 404 for malformed and unknown ids", async () => {
    for (const id of ["not-a-uuid", "44444444-4444-4444-8444-444444444444"]) {
      const res = await getRun(new Request("http://localhost"), { params: Promise.resolve({ id }) });
      expect(res.status).toBe(404);
      expect((await res.json()).error.code).toBe("not_found:run");
    }
  });
});
