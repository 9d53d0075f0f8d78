import { afterEach, describe, expect, it } from "vitest";
import { mockEmbedding, startMockEmbeddingsServer, type MockEmbeddingsServer } from "./openai-embeddings-server.mock";
import { createRemoteEmbedder, remoteEmbedderConfigError, type RemoteEmbedderOptions } from "./remote-embedder";

const servers: MockEmbeddingsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(options: Parameters<typeof startMockEmbeddingsServer>[0] = {}) {
  const server = await startMockEmbeddingsServer(options);
  servers.push(server);
  return server;
}

const sleeps: number[] = [];
const embedder = (server: MockEmbeddingsServer, extra: Partial<RemoteEmbedderOptions> = {}) => {
  sleeps.length = 0;
  return createRemoteEmbedder({
    url: server.baseURL,
    model: "text-embed-100",
    dimension: 100,
    apiKey: "sk-embed-key",
    queryPrefix: "query: ",
    passagePrefix: "passage: ",
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...extra,
  });
};

const unit = (v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};

describe("createRemoteEmbedder", () => {
  it("posts the OpenAI wire format with the passage prefix and returns unit vectors in input order", async () => {
    const server = await start();
    const e = embedder(server);
    const texts = ["first text about rerankers", "second about roses", "third"];
    const out = await e.embed(texts, { kind: "passage" });
    expect(server.calls).toHaveLength(1);
    expect(server.calls[0]).toMatchObject({
      path: "/v1/embeddings",
      headers: { authorization: "Bearer sk-embed-key" },
      body: {
        model: "text-embed-100",
        input: texts.map((t) => `passage: ${t}`),
        encoding_format: "float",
      },
    });
    expect(out).toHaveLength(3);
    out.forEach((v, i) => {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v).toHaveLength(100);
      const want = unit(mockEmbedding(`passage: ${texts[i]}`, 100));
      want.forEach((x, j) => expect(v[j]).toBeCloseTo(x, 6));
      expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    });
    expect(e.info).toEqual({ id: "openai:text-embed-100", version: "remote" });
    expect(e.dimension).toBe(100);
  });

  it("applies the query prefix to queries", async () => {
    const server = await start();
    await embedder(server).embed(["what is bm25"], { kind: "query" });
    expect(server.calls[0].body.input).toEqual(["query: what is bm25"]);
  });

  it("splits 150 inputs into requests of 64, 64 and 22, keeping the order", async () => {
    const server = await start();
    const texts = Array.from({ length: 150 }, (_, i) => `text number ${i} word${i}`);
    const out = await embedder(server, { passagePrefix: "" }).embed(texts, { kind: "passage" });
    expect(server.calls.map((c) => (c.body.input as string[]).length)).toEqual([64, 64, 22]);
    expect(server.calls.flatMap((c) => c.body.input as string[])).toEqual(texts);
    expect(out).toHaveLength(150);
    for (const i of [0, 63, 64, 149]) {
      const want = unit(mockEmbedding(texts[i], 100));
      want.forEach((x, j) => expect(out[i][j]).toBeCloseTo(x, 6));
    }
  });

  it("retries a 429 after its Retry-After", async () => {
    const server = await start({ mode: "rate-limit", failures: 2, retryAfter: "2" });
    const out = await embedder(server).embed(["a", "b"], { kind: "passage" });
    expect(out).toHaveLength(2);
    expect(server.calls).toHaveLength(3);
    expect(sleeps).toEqual([2000, 2000]);
  });

  it("backs off exponentially on 5xx, then fails with the server's message", async () => {
    const server = await start({ mode: "error" });
    await expect(embedder(server, { maxRetries: 3, backoffMs: 100 }).embed(["a"], { kind: "query" })).rejects.toThrow(
      `embeddings request to ${server.baseURL}/embeddings failed: HTTP 500: scripted failure (after 4 tries)`,
    );
    expect(sleeps).toEqual([100, 200, 400]);
    expect(server.calls).toHaveLength(4);
  });

  it("really waits between retries by default (Retry-After 0.1 s)", async () => {
    const server = await start({ mode: "rate-limit", failures: 1, retryAfter: "0.1" });
    const e = createRemoteEmbedder({ url: server.baseURL, model: "m", dimension: 100 });
    const t0 = performance.now();
    await e.embed(["x"], { kind: "query" });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(90);
    expect(server.calls).toHaveLength(2);
  });

  it("does not retry a 4xx and never shows the API key", async () => {
    const server = await start({ apiKey: "right" });
    const error = await embedder(server, { apiKey: "sk-wrong-secret" })
      .embed(["a"], { kind: "query" })
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain("HTTP 401: Incorrect API key provided: Bearer [redacted]");
    expect((error as Error).message).not.toContain("sk-wrong-secret");
    expect(server.calls).toHaveLength(1);
  });

  it("times out a request that never answers, retries, then fails clearly", async () => {
    const server = await start({ mode: "hang" });
    await expect(embedder(server, { timeoutMs: 150, maxRetries: 1 }).embed(["a"], { kind: "query" })).rejects.toThrow(
      /failed: no answer within 150 ms \(after 2 tries\)$/,
    );
    expect(server.calls).toHaveLength(2);
  });

  it("refuses malformed JSON and vectors of the wrong dimension", async () => {
    const malformed = await start({ mode: "malformed" });
    await expect(embedder(malformed).embed(["a"], { kind: "query" })).rejects.toThrow(
      /failed: the server returned malformed JSON$/,
    );
    const wide = await start({ dimension: 384 });
    await expect(embedder(wide).embed(["a"], { kind: "query" })).rejects.toThrow(
      /the model returned 384-dimensional vectors but EMBEDDER_DIMENSION is 100/,
    );
  });
});

describe("remoteEmbedderConfigError", () => {
  it("accepts no remote embedder or one of the column's dimension, and refuses any other", () => {
    expect(remoteEmbedderConfigError({}, 100)).toBeNull();
    expect(remoteEmbedderConfigError({ EMBEDDER_URL: "http://x/v1" }, 100)).toBeNull();
    expect(remoteEmbedderConfigError({ EMBEDDER_URL: "http://x/v1", EMBEDDER_DIMENSION: 100 }, 100)).toBeNull();
    expect(remoteEmbedderConfigError({ EMBEDDER_URL: "http://x/v1", EMBEDDER_DIMENSION: 384 }, 100)).toMatch(
      /^EMBEDDER_DIMENSION=384 does not match the database's vector column \(100 dimensions\): .*migration and a re-embed/,
    );
  });
});
