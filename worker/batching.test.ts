import { afterEach, describe, expect, it } from "vitest";
import { createBatchingMockReranker, createMockReranker } from "./reranker.mock";
import { createWorkerServer, type WorkerServerOptions } from "./server";

type Started = ReturnType<typeof createWorkerServer>;
const workers: Started[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.close({ timeoutMs: 1000 })));
});

async function start(options: WorkerServerOptions) {
  const worker = createWorkerServer({ defaultMetrics: false, ...options });
  workers.push(worker);
  const { url } = await worker.listen({ port: 0, host: "127.0.0.1" });
  await worker.ready;
  return { worker, url };
}

const post = (url: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" || body instanceof Uint8Array ? (body as unknown as BodyInit) : JSON.stringify(body),
  });

const request = (i: number) => ({
  query: `topic${i} alpha`,
  candidates: [
    { id: `x${i}`, text: "nothing relevant here at all" },
    { id: `y${i}`, text: `topic${i} alpha is what this passage is about` },
    { id: `z${i}`, text: `alpha with some other filler words` },
  ],
});

describe("dynamic batching", () => {
  it("serves 16 concurrent requests with fewer model calls, each with its own results", async () => {
    const mock = createBatchingMockReranker({ delayMs: 20 });
    const { url } = await start({ reranker: mock, batch: { maxWaitMs: 5 } });
    const solo = await Promise.all(Array.from({ length: 16 }, (_, i) => mock.rerank(request(i))));
    mock.batches.length = 0;
    const bodies = await Promise.all(
      Array.from({ length: 16 }, (_, i) => post(url, "/rerank", request(i)).then((r) => r.json())),
    );
    expect(mock.batches.length).toBeLessThan(16);
    expect(mock.batches.reduce((a, b) => a + b, 0)).toBe(16);
    bodies.forEach((b, i) => {
      expect(b.results).toEqual(solo[i].results);
      expect(b.results[0].id).toBe(`y${i}`);
      expect(b.queueMs).toBeGreaterThanOrEqual(0);
      expect(b.computeMs).toBeGreaterThanOrEqual(15);
    });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const calls = Number(/^reranker_model_calls_total (\d+)/m.exec(metrics)?.[1]);
    expect(calls).toBe(mock.batches.length);
    expect(metrics).toMatch(/reranker_batch_requests_count \d+/);
  });

  it("never holds a lone request longer than the maximum wait", async () => {
    const { url } = await start({ reranker: createBatchingMockReranker(), batch: { maxWaitMs: 30 } });
    const body = await (await post(url, "/rerank", request(1))).json();
    expect(body.queueMs).toBeGreaterThanOrEqual(20);
    expect(body.queueMs).toBeLessThan(200);
  });

  it("runs at once when the token budget is full", async () => {
    const { url } = await start({
      reranker: createBatchingMockReranker(),
      batch: { maxWaitMs: 5000, batchTokens: 10 },
    });
    const body = await (await post(url, "/rerank", request(1))).json();
    expect(body.queueMs).toBeLessThan(1000);
  });

  it("answers 503 with Retry-After when the queue is full, and recovers", async () => {
    const { url } = await start({
      reranker: createBatchingMockReranker({ delayMs: 100 }),
      batch: { maxWaitMs: 1, queueLimit: 6, batchTokens: 1 },
    });
    const responses = await Promise.all(Array.from({ length: 8 }, (_, i) => post(url, "/rerank", request(i))));
    const full = responses.filter((r) => r.status === 503);
    expect(full.length).toBeGreaterThan(0);
    expect(Number(full[0].headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await full[0].json()).error.message).toMatch(/queue is full/);
    expect(responses.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(3);
    expect((await post(url, "/rerank", request(9))).status).toBe(200);
  });

  it("keeps per-request timings with a model that has no rerankMany (one call per request)", async () => {
    const mock = createMockReranker({ delayMs: 30 });
    const { url } = await start({ reranker: mock });
    const bodies = await Promise.all([1, 2].map((i) => post(url, "/rerank", request(i)).then((r) => r.json())));
    expect(mock.calls).toHaveLength(2);
    const waits = bodies.map((b) => b.queueMs).sort((a, b) => a - b);
    expect(waits[1]).toBeGreaterThanOrEqual(25);
  });
});

describe("faults: each a clear 4xx, and the worker keeps serving", () => {
  it("malformed JSON, empty query, non-UTF-8, 10 000 candidates, oversized body", async () => {
    const { url } = await start({ reranker: createBatchingMockReranker(), maxBodyBytes: 4 * 1024 * 1024 });
    const cases: [unknown, number, RegExp][] = [
      ['{"query": "x", "candidates": [', 400, /not valid JSON/],
      [{ query: "", candidates: [{ id: "a", text: "t" }] }, 400, /`query` must not be empty/],
      [
        new Uint8Array([...Buffer.from('{"query":"caf'), 0xe9, ...Buffer.from('","candidates":[{"id":"a","text":"x"}]}')]),
        400,
        /not valid UTF-8/,
      ],
      [
        { query: "x", candidates: Array.from({ length: 10_000 }, (_, i) => ({ id: String(i), text: "t" })) },
        400,
        /at most 1000 candidates/,
      ],
      [{ query: "x", candidates: [{ id: "a", text: "y".repeat(5 * 1024 * 1024) }] }, 413, /larger than/],
    ];
    for (const [body, status, message] of cases) {
      const res = await post(url, "/rerank", body);
      expect(res.status).toBe(status);
      expect((await res.json()).error.message).toMatch(message);
      expect((await post(url, "/rerank", request(1))).status).toBe(200);
    }
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/reranker_errors_total\{route="\/rerank",code="bad_request:rerank"\} 4/);
  });

  it("the candidate limit is configurable", async () => {
    const { url } = await start({ reranker: createBatchingMockReranker(), maxCandidates: 20_000 });
    const res = await post(url, "/rerank", {
      query: "t",
      candidates: Array.from({ length: 10_000 }, (_, i) => ({ id: String(i), text: i === 7 ? "t t" : "u" })),
      topN: 1,
    });
    expect(res.status).toBe(200);
    expect((await res.json()).results).toEqual([expect.objectContaining({ id: "7", index: 7 })]);
  });
});

describe("compatible APIs", () => {
  it("NIM-style POST /v1/ranking", async () => {
    const { url } = await start({ reranker: createBatchingMockReranker() });
    const res = await post(url, "/v1/ranking", {
      model: "mock-overlap",
      query: { text: "kernel pooling" },
      passages: [{ text: "pasta" }, { text: "kernel pooling in rerankers" }, { text: "kernel and other unrelated words" }],
      truncate: "END",
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.rankings.map((r: { index: number }) => r.index)).toEqual([1, 2, 0]);
    const logits = body.rankings.map((r: { logit: number }) => r.logit);
    expect([...logits].sort((a, b) => b - a)).toEqual(logits);
    expect((await post(url, "/v1/ranking", { query: { text: "" }, passages: [{ text: "a" }] })).status).toBe(400);
    expect((await post(url, "/v1/ranking", { model: "nv-rerank", query: { text: "a" }, passages: [{ text: "a" }] })).status).toBe(400);
  });

  it("Cohere-style POST /v2/rerank", async () => {
    const { url } = await start({ reranker: createBatchingMockReranker() });
    const res = await post(url, "/v2/rerank", {
      model: "mock-overlap",
      query: "kernel pooling",
      documents: ["pasta", { text: "kernel pooling in rerankers" }, "kernel and other unrelated words"],
      top_n: 2,
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.results).toEqual([
      { index: 1, relevance_score: expect.any(Number) },
      { index: 2, relevance_score: expect.any(Number) },
    ]);
    expect(body.results[0].relevance_score).toBeGreaterThan(body.results[1].relevance_score);
    expect(body.meta.api_version.version).toBe("2");
    expect((await post(url, "/v2/rerank", { query: "x", documents: [] })).status).toBe(400);
  });
});

describe("GET /metrics", () => {
  it("exposes request counters, queue depth, histograms and process metrics", async () => {
    const { url } = await start({ reranker: createBatchingMockReranker(), defaultMetrics: true });
    await post(url, "/rerank", request(1));
    await fetch(`${url}/health/ready`);
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/reranker_http_requests_total\{route="\/rerank",status="200"\} 1/);
    expect(text).toMatch(/reranker_http_requests_total\{route="\/health\/ready",status="200"\} 1/);
    for (const name of [
      "reranker_queue_depth",
      "reranker_batch_pairs_bucket",
      "reranker_queue_wait_seconds_bucket",
      "reranker_compute_seconds_bucket",
      "process_cpu_seconds_total",
    ]) {
      expect(text).toContain(name);
    }
  });
});
