import { afterEach, describe, expect, it } from "vitest";
import type { RerankRequest } from "@/lib/models/types";
import { createMockReranker } from "@/worker/reranker.mock";
import { createWorkerServer, type WorkerServer } from "@/worker/server";
import { createRerankClient, parseRetryAfter } from "./client";
import { sigmoid } from "./protocols";
import {
  mockLogit,
  startMockRerankServer,
  type MockRerankServer,
  type RemoteProtocol,
} from "./remote-rerank-server.mock";

// The client against local servers speaking NVIDIA NIM, TEI and Cohere's exact wire formats, and
// against our own worker's /v1/ranking and /v2/rerank (worker/compat.ts).

const servers: MockRerankServer[] = [];
const workers: WorkerServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(workers.splice(0).map((w) => w.close({ timeoutMs: 1000 })));
});

async function start(options: Parameters<typeof startMockRerankServer>[0]) {
  const server = await startMockRerankServer(options);
  servers.push(server);
  return server;
}

const request: RerankRequest = {
  query: "how does the worker process requests",
  candidates: [
    { id: "11", text: "Roses are pruned in late winter." },
    {
      id: "22",
      text: "The worker is a separate process that answers requests.",
      features: { bm25Score: 2, vectorScore: 0.5, fusedRank: 2 },
    },
    { id: "33", text: "How the worker batches requests." },
  ],
  termIdf: { worker: 1.2 },
};

/** What the mapping must give: ids in score order, and each candidate's expected score. */
function expected(boost: string) {
  return request.candidates
    .map((c, index) => ({ id: c.id, index, logit: mockLogit(request.query, c.text, boost) }))
    .sort((a, b) => b.logit - a.logit);
}

describe.each<RemoteProtocol>(["nim", "tei", "cohere"])("protocol %s", (protocol) => {
  const client = (server: MockRerankServer, deadlineMs = 2000, extra: object = {}) =>
    createRerankClient({
      url: server.url,
      deadlineMs,
      protocol,
      model: "acme/rerank-1",
      token: "sk-test-key",
      ...extra,
    });

  it("maps the response onto ids, positions and 0..1 scores, best first", async () => {
    const server = await start({ protocol, boost: "process", apiKey: "sk-test-key" });
    const outcome = await client(server).rerank(request);
    expect(outcome).toMatchObject({ ok: true });
    if (!outcome.ok) return;
    const want = expected("process");
    expect(outcome.response.model).toEqual({ id: `${protocol}:acme/rerank-1`, version: "remote" });
    expect(outcome.response.results.map((r) => r.id)).toEqual(want.map((w) => w.id));
    expect(outcome.response.results[0].id).toBe("22");
    for (const [i, r] of outcome.response.results.entries()) {
      expect(r.index).toBe(want[i].index);
      expect(r.score).toBeCloseTo(sigmoid(want[i].logit), 10);
      expect(r.rawScore).toBeCloseTo(protocol === "nim" ? want[i].logit : sigmoid(want[i].logit), 10);
      expect(r.truncatedTokens).toBe(0);
    }
    expect(outcome.response.queueMs).toBe(0);
    expect(server.calls[0].headers.authorization).toBe("Bearer sk-test-key");
  });

  it("sends the exact request body", async () => {
    const server = await start({ protocol });
    await client(server).rerank({ ...request, topN: 2 });
    const texts = request.candidates.map((c) => c.text);
    const sent = server.calls[0];
    if (protocol === "nim") {
      expect(sent.path).toBe("/v1/ranking");
      // No top_n: NIM rejects fields it does not know.
      expect(sent.body).toEqual({
        model: "acme/rerank-1",
        query: { text: request.query },
        passages: texts.map((text) => ({ text })),
        truncate: "END",
      });
    } else if (protocol === "tei") {
      expect(sent.path).toBe("/rerank");
      expect(sent.body).toEqual({ query: request.query, texts, truncate: true, raw_scores: false });
    } else {
      expect(sent.path).toBe("/v2/rerank");
      expect(sent.body).toEqual({ model: "acme/rerank-1", query: request.query, documents: texts, top_n: 2 });
    }
  });

  it("keeps topN results", async () => {
    const server = await start({ protocol, boost: "process" });
    const outcome = await client(server).rerank({ ...request, topN: 1 });
    expect(outcome.ok && outcome.response.results.map((r) => r.id)).toEqual(["22"]);
  });

  it("fails open on a 500 with the server's message, and counts it towards the breaker", async () => {
    const server = await start({ protocol, mode: "error" });
    const c = client(server, 2000, { breakerFailures: 2, breakerCooldownMs: 60_000 });
    const outcome = await c.rerank(request);
    expect(outcome).toMatchObject({ ok: false, reason: "reranker returned HTTP 500: scripted failure: model crashed" });
    await c.rerank(request);
    expect(await c.rerank(request)).toMatchObject({ ok: false, reason: "reranker circuit open" });
    expect(server.calls).toHaveLength(2);
  });

  it("fails open on a 429 and rests the endpoint for its Retry-After without calling it", async () => {
    const server = await start({ protocol, mode: "rate-limit", retryAfter: "30" });
    const c = client(server, 2000);
    const first = await c.rerank(request);
    expect(first).toMatchObject({
      ok: false,
      reason: "reranker rate-limited (HTTP 429, retry after 30 s): too many requests",
    });
    expect(first.wallMs).toBeLessThan(1000);
    const second = await c.rerank(request);
    expect(second).toMatchObject({ ok: false, reason: "reranker rate-limited (HTTP 429), retry after 30 s" });
    expect(server.calls).toHaveLength(1);
  });

  it("waits out a Retry-After shorter than the deadline and retries once", async () => {
    const server = await start({ protocol, mode: "rate-limit", retryAfter: "0.2", boost: "process" });
    setTimeout(() => (server.mode = "ok"), 100);
    const outcome = await client(server, 3000).rerank(request);
    expect(outcome.ok && outcome.response.results[0].id).toBe("22");
    expect(outcome.wallMs).toBeGreaterThanOrEqual(190);
    expect(server.calls).toHaveLength(2);
  });

  it("never waits past the deadline for a Retry-After", async () => {
    const server = await start({ protocol, mode: "rate-limit", retryAfter: "1" });
    const outcome = await client(server, 300).rerank(request);
    expect(outcome).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^reranker rate-limited \(HTTP 429, retry after 1 s\)/),
    });
    expect(outcome.wallMs).toBeLessThan(300);
    expect(server.calls).toHaveLength(1);
  });

  it("moves a rate-limited call to the next URL", async () => {
    const limited = await start({ protocol, mode: "rate-limit", retryAfter: "30" });
    const healthy = await start({ protocol, boost: "process" });
    const c = createRerankClient({ url: `${limited.url},${healthy.url}`, deadlineMs: 2000, protocol, model: "m" });
    const outcome = await c.rerank(request);
    expect(outcome.ok && outcome.response.results[0].id).toBe("22");
    expect((await c.rerank(request)).ok).toBe(true);
    expect(limited.calls).toHaveLength(1);
    expect(healthy.calls).toHaveLength(2);
  });

  it("gives up at the deadline when the server never answers", async () => {
    const server = await start({ protocol, mode: "hang" });
    const outcome = await client(server, 300).rerank(request);
    expect(outcome).toMatchObject({ ok: false, reason: "reranker deadline exceeded (300 ms)" });
    expect(outcome.wallMs).toBeLessThan(1500);
  });

  it("reports malformed JSON", async () => {
    const server = await start({ protocol, mode: "malformed" });
    expect(await client(server).rerank(request)).toMatchObject({
      ok: false,
      reason: "reranker returned malformed JSON (HTTP 200)",
    });
  });

  it("never puts the API key in a reason, even when the server echoes it", async () => {
    const server = await start({ protocol, apiKey: "the-right-key" });
    const outcome = await client(server, 2000, { token: "sk-secret-wrong-key" }).rerank(request);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.reason).toMatch(/^reranker returned HTTP 401: invalid api token: Bearer \[redacted\]$/);
    expect(outcome.reason).not.toContain("sk-secret-wrong-key");
  });
});

describe("protocol tei, large sets", () => {
  it("splits more than 32 texts into calls of at most 32 and maps their positions back", async () => {
    const server = await start({ protocol: "tei", boost: "target" });
    const candidates = Array.from({ length: 45 }, (_, i) => ({
      id: `c${i}`,
      text: i === 40 ? "the target passage" : `filler passage number ${i}`,
    }));
    const outcome = await createRerankClient({ url: server.url, deadlineMs: 2000, protocol: "tei" }).rerank({
      query: "find the target",
      candidates,
    });
    expect(server.calls.map((c) => (c.body.texts as string[]).length)).toEqual([32, 13]);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.response.results).toHaveLength(45);
    expect(outcome.response.results[0]).toMatchObject({ id: "c40", index: 40 });
    expect(new Set(outcome.response.results.map((r) => r.index)).size).toBe(45);
    for (const r of outcome.response.results) expect(r.id).toBe(`c${r.index}`);
    expect(outcome.response.model).toEqual({ id: "tei:default", version: "remote" });
  });

  it("fails the whole call when one part fails", async () => {
    const server = await start({ protocol: "tei", maxBatch: 16 });
    const candidates = Array.from({ length: 40 }, (_, i) => ({ id: `c${i}`, text: `passage ${i}` }));
    const outcome = await createRerankClient({ url: server.url, deadlineMs: 2000, protocol: "tei" }).rerank({
      query: "q",
      candidates,
    });
    expect(outcome).toMatchObject({
      ok: false,
      reason: "reranker returned HTTP 422: batch size 32 > maximum allowed batch size 16",
    });
  });
});

describe("invalid remote answers", () => {
  it("rejects an index outside the call's passages", async () => {
    const { createServer } = await import("node:http");
    const server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ rankings: [{ index: 7, logit: 1 }] }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const outcome = await createRerankClient({ url, deadlineMs: 2000, protocol: "nim", model: "m" }).rerank(request);
      expect(outcome).toMatchObject({
        ok: false,
        reason: "reranker returned an invalid response (HTTP 200): result index 7 is out of range",
      });
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});

describe("our worker's compatible routes", () => {
  it("gives the same order and scores through /rerank, /v1/ranking and /v2/rerank", async () => {
    const worker = createWorkerServer({ reranker: createMockReranker(), token: "worker-token" });
    workers.push(worker);
    const { url } = await worker.listen({ port: 0, host: "127.0.0.1" });
    await worker.ready;
    const outcomes = await Promise.all(
      (["ranklens", "nim", "cohere"] as const).map((protocol) =>
        createRerankClient({ url, deadlineMs: 5000, protocol, model: "mock-overlap", token: "worker-token" }).rerank(
          request,
        ),
      ),
    );
    const [own, nim, cohere] = outcomes.map((o) => {
      if (!o.ok) throw new Error(o.reason);
      return o.response;
    });
    expect(nim.model).toEqual({ id: "nim:mock-overlap", version: "remote" });
    expect(cohere.model).toEqual({ id: "cohere:mock-overlap", version: "remote" });
    for (const remote of [nim, cohere]) {
      expect(remote.results.map((r) => [r.id, r.index])).toEqual(own.results.map((r) => [r.id, r.index]));
      remote.results.forEach((r, i) => expect(r.score).toBeCloseTo(own.results[i].score, 10));
    }
    nim.results.forEach((r, i) => expect(r.rawScore).toBeCloseTo(own.results[i].rawScore, 10));
  });
});

describe("parseRetryAfter", () => {
  it("reads seconds and HTTP dates, caps long waits, ignores junk", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter("0.5", now)).toBe(500);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:10 GMT", now)).toBe(10_000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 23:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("999999", now)).toBe(5 * 60_000);
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});
