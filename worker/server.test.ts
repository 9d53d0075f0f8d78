import { request as httpRequest } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { createMockReranker } from "./reranker.mock";
import { createWorkerServer, type WorkerServer } from "./server";
import type { LoadedReranker } from "./types";

const workers: WorkerServer[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.close({ timeoutMs: 1000 })));
});

async function start(reranker: LoadedReranker | Promise<LoadedReranker>, maxBodyBytes?: number) {
  const worker = createWorkerServer({ reranker, maxBodyBytes });
  workers.push(worker);
  const { url } = await worker.listen({ port: 0, host: "127.0.0.1" });
  return { worker, url };
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const post = (url: string, body: unknown) =>
  fetch(`${url}/rerank`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

const valid = {
  query: "kernel pooling reranker",
  candidates: [
    { id: "a", text: "Pasta with tomato sauce." },
    { id: "b", text: "A reranker with kernel pooling over word similarities." },
  ],
};

describe("worker server health", () => {
  it("is live at once, ready only after the model loaded and warmed up", async () => {
    const model = deferred<LoadedReranker>();
    const mock = createMockReranker({ warmUpMs: 50 });
    const { worker, url } = await start(model.promise);

    expect((await fetch(`${url}/health/live`)).status).toBe(200);
    const notReady = await fetch(`${url}/health/ready`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({ ready: false, status: "loading" });
    const loading = await post(url, valid);
    expect(loading.status).toBe(503);
    expect(await loading.json()).toEqual({
      error: { code: "unavailable:rerank", message: "reranker model is loading" },
    });

    model.resolve(mock);
    await new Promise((r) => setTimeout(r, 10));
    expect(await (await fetch(`${url}/health/ready`)).json()).toMatchObject({ ready: false, status: "warming" });

    await worker.ready;
    expect(mock.warmUps).toBe(1);
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({
      live: true,
      ready: true,
      status: "ready",
      model: { id: "mock-overlap", version: "1" },
      executionProvider: "mock-cpu",
      queueDepth: 0,
    });
  });

  it("reports a model that failed to load", async () => {
    const { worker, url } = await start(createMockReranker({ warmUpError: "onnx session failed" }));
    await expect(worker.ready).rejects.toThrow("onnx session failed");
    const ready = await fetch(`${url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ready: false, status: "failed", error: "onnx session failed" });
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
    expect(await (await post(url, valid)).json()).toMatchObject({
      error: { message: "reranker failed to load: onnx session failed" },
    });
  });
});

describe("POST /rerank", () => {
  it("reranks and reports model, results, queueMs and computeMs", async () => {
    const { worker, url } = await start(createMockReranker({ delayMs: 5 }));
    await worker.ready;
    const res = await post(url, { ...valid, topN: 1, model: "mock-overlap", termIdf: { kernel: 3.2 } });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.model).toEqual({ id: "mock-overlap", version: "1" });
    expect(body.results).toHaveLength(1);
    expect(body.results[0]).toMatchObject({ id: "b", index: 1, truncatedTokens: 0 });
    expect(body.results[0].score).toBeGreaterThan(0);
    expect(body.queueMs).toBeGreaterThanOrEqual(0);
    expect(body.computeMs).toBeGreaterThanOrEqual(4);
  });

  it("runs requests one at a time, in order, and measures the wait", async () => {
    // Each call takes 200 ms: the second waits about one call, the third about two. The margins are
    // wide because a loaded CI machine can stall the event loop for tens of milliseconds.
    const mock = createMockReranker({ delayMs: 200 });
    const { worker, url } = await start(mock);
    await worker.ready;
    const bodies = await Promise.all(
      [1, 2, 3].map((i) => post(url, { ...valid, query: `q${i} reranker` }).then((r) => r.json())),
    );
    const queueMs = bodies.map((b) => b.queueMs).sort((a, b) => a - b);
    expect(queueMs[0]).toBeLessThan(120);
    expect(queueMs[1]).toBeGreaterThanOrEqual(150);
    expect(queueMs[2]).toBeGreaterThanOrEqual(350);
    for (const b of bodies) expect(b.computeMs).toBeGreaterThanOrEqual(180);
    expect(mock.calls).toHaveLength(3);
  });

  it("rejects bad requests with 400 and a clear message", async () => {
    const { worker, url } = await start(createMockReranker());
    await worker.ready;
    const cases: [unknown, RegExp][] = [
      ["{not json", /not valid JSON/],
      ["", /empty/],
      [{ ...valid, query: "   " }, /query: `query` must not be empty/],
      [{ candidates: valid.candidates }, /query/],
      [{ query: "x", candidates: [] }, /candidates: `candidates` must not be empty/],
      [{ query: "x" }, /candidates/],
      [{ query: "x", candidates: [{ id: "a" }] }, /candidates\.0\.text/],
      [{ ...valid, topN: 0 }, /topN/],
      [{ ...valid, model: "other" }, /model "other" is not loaded/],
      [
        { query: "x", candidates: Array.from({ length: 1001 }, (_, i) => ({ id: String(i), text: "t" })) },
        /at most 1000 candidates/,
      ],
    ];
    for (const [body, message] of cases) {
      const res = await post(url, body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      const json = await res.json();
      expect(json.error.code).toBe("bad_request:rerank");
      expect(json.error.message).toMatch(message);
    }
  });

  it("reads UTF-8 bodies (a leading byte-order mark is dropped) and refuses other bytes with 400", async () => {
    const { worker, url } = await start(createMockReranker());
    await worker.ready;
    const json = Buffer.from(JSON.stringify({ ...valid, query: "kernel pooling — ünïcode 日本語" }));
    const send = (body: Buffer) =>
      fetch(`${url}/rerank`, { method: "POST", headers: { "content-type": "application/json" }, body: new Uint8Array(body) });
    const plain = await send(json);
    expect(plain.status).toBe(200);
    const withBom = await send(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json]));
    expect(withBom.status).toBe(200);
    expect(await withBom.json()).toEqual({ ...(await plain.json()), queueMs: expect.any(Number), computeMs: expect.any(Number) });
    for (const bad of [Buffer.from([0x7b, 0xff, 0x7d]), Buffer.from([0x7b, 0xed, 0xa0, 0x80, 0x7d]), Buffer.from([0xc0, 0xaf])]) {
      const res = await send(bad);
      expect(res.status).toBe(400);
      expect((await res.json()).error.message).toMatch(/not valid UTF-8/);
    }
  });

  it("refuses bodies over the size limit with 413", async () => {
    const { worker, url } = await start(createMockReranker(), 1000);
    await worker.ready;
    const big = { query: "x", candidates: [{ id: "a", text: "y".repeat(2000) }] };
    const res = await post(url, big);
    expect(res.status).toBe(413);
    expect((await res.json()).error.message).toMatch(/larger than/);

    // Chunked, without Content-Length: the limit still holds.
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        `${url}/rerank`,
        { method: "POST", headers: { "content-type": "application/json" } },
        (r) => {
          r.resume();
          resolve(r.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.write(JSON.stringify(big).slice(0, 800));
      req.end(JSON.stringify(big).slice(800));
    });
    expect(status).toBe(413);
  });

  it("answers 404 for unknown routes and 405 for wrong methods", async () => {
    const { url } = await start(createMockReranker());
    expect((await fetch(`${url}/nope`)).status).toBe(404);
    expect((await fetch(`${url}/rerank`)).status).toBe(405);
  });
});

describe("close", () => {
  it("lets queued requests finish before closing", async () => {
    const worker = createWorkerServer({ reranker: createMockReranker({ delayMs: 80 }) });
    const { url } = await worker.listen({ port: 0, host: "127.0.0.1" });
    await worker.ready;
    const pending = post(url, valid);
    await new Promise((r) => setTimeout(r, 20));
    await worker.close({ timeoutMs: 2000 });
    expect((await pending).status).toBe(200);
    await expect(fetch(`${url}/health/live`)).rejects.toThrow();
  });
});
