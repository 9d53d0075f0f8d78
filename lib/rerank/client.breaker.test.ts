import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import type { RerankRequest, RerankResponse } from "@/lib/models/types";
import { createRerankClient } from "./client";
import { serversClosedAfterEach } from "./test-servers.testing";

const servers = serversClosedAfterEach();

const request: RerankRequest = { query: "q", candidates: [{ id: "1", text: "a" }] };
const good = (id: string): RerankResponse => ({
  model: { id, version: "1" },
  results: [{ id: "1", index: 0, score: 0.5, rawScore: 0, truncatedTokens: 0 }],
  queueMs: 0,
  computeMs: 1,
});

async function serve(name: string, status = 200) {
  const hits = { n: 0 };
  const server = createServer(async (req, res) => {
    for await (const _ of req) void _;
    hits.n++;
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(status === 200 ? good(name) : { error: { message: "boom" } }));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, server };
}

async function deadUrl() {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return `http://127.0.0.1:${port}`;
}

describe("rerank client: retry, failover, round-robin, circuit breaker", () => {
  it("retries a refused connection once, on the next worker", async () => {
    const a = await serve("a");
    const client = createRerankClient({ url: `${await deadUrl()},${a.url}`, deadlineMs: 2000 });
    for (let i = 0; i < 4; i++) {
      const outcome = await client.rerank(request);
      expect(outcome.ok).toBe(true);
    }
    expect(a.hits.n).toBe(4);
  });

  it("retries a single worker once on a connection error, then fails open", async () => {
    const calls: string[] = [];
    const client = createRerankClient({
      url: "http://127.0.0.1:9",
      deadlineMs: 2000,
      fetch: async (input) => {
        calls.push(String(input));
        throw new TypeError("fetch failed", {
          cause: Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }),
        });
      },
    });
    expect(await client.rerank(request)).toMatchObject({ ok: false, reason: "reranker unavailable: read ECONNRESET" });
    expect(calls).toHaveLength(2);
  });

  it("does not retry HTTP errors or timeouts", async () => {
    const bad = await serve("bad", 500);
    const client = createRerankClient({ url: bad.url, deadlineMs: 2000 });
    expect(await client.rerank(request)).toMatchObject({ ok: false, reason: "reranker returned HTTP 500: boom" });
    expect(bad.hits.n).toBe(1);

    let calls = 0;
    const slow = createRerankClient({
      url: "http://127.0.0.1:9",
      deadlineMs: 50,
      fetch: (_input, init) =>
        new Promise((_resolve, reject) => {
          calls++;
          init?.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "TimeoutError")));
        }),
    });
    expect(await slow.rerank(request)).toMatchObject({ ok: false, reason: "reranker deadline exceeded (50 ms)" });
    expect(calls).toBe(1);
  });

  it("balances round-robin over several workers", async () => {
    const a = await serve("a");
    const b = await serve("b");
    const client = createRerankClient({ url: `${a.url}, ${b.url}/`, deadlineMs: 2000 });
    const models: string[] = [];
    for (let i = 0; i < 6; i++) {
      const o = await client.rerank(request);
      if (o.ok) models.push(o.response.model.id);
    }
    expect(models).toEqual(["a", "b", "a", "b", "a", "b"]);
  });

  it("opens the circuit after N consecutive failures, then lets one half-open probe through", async () => {
    let t = 1_000;
    const bad = await serve("x", 500);
    const client = createRerankClient({
      url: bad.url,
      deadlineMs: 2000,
      breakerFailures: 3,
      breakerCooldownMs: 10_000,
      now: () => t,
    });
    for (let i = 0; i < 3; i++) expect((await client.rerank(request)).ok).toBe(false);
    expect(bad.hits.n).toBe(3);
    const open = await client.rerank(request);
    expect(open).toMatchObject({ ok: false, reason: "reranker circuit open" });
    expect(bad.hits.n).toBe(3);

    // After the cooldown: one probe; it fails, so the circuit opens again at once.
    t += 10_000;
    expect(await client.rerank(request)).toMatchObject({ ok: false, reason: "reranker returned HTTP 500: boom" });
    expect(bad.hits.n).toBe(4);
    expect(await client.rerank(request)).toMatchObject({ reason: "reranker circuit open" });

    // The worker recovers: the next probe succeeds and closes the circuit.
    bad.server.removeAllListeners("request");
    bad.server.on("request", (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(good("x")));
    });
    t += 10_000;
    expect((await client.rerank(request)).ok).toBe(true);
    expect((await client.rerank(request)).ok).toBe(true);
  });

  it("allows a single probe at a time while half-open", async () => {
    let t = 0;
    let release!: () => void;
    let mode: "fail" | "hang" | "ok" = "fail";
    const client = createRerankClient({
      url: "http://w.invalid",
      deadlineMs: 5000,
      breakerFailures: 1,
      breakerCooldownMs: 100,
      now: () => t,
      fetch: async () => {
        if (mode === "fail") return new Response("down", { status: 503 });
        if (mode === "hang") await new Promise<void>((r) => (release = r));
        return Response.json(good("w"));
      },
    });
    expect((await client.rerank(request)).ok).toBe(false);
    t = 100;
    mode = "hang";
    const probe = client.rerank(request);
    await new Promise((r) => setTimeout(r, 10));
    expect(await client.rerank(request)).toMatchObject({ reason: "reranker circuit open" });
    mode = "ok";
    release();
    expect((await probe).ok).toBe(true);
    expect((await client.rerank(request)).ok).toBe(true);
  });

  it("skips a worker whose circuit is open and uses the others", async () => {
    const bad = await serve("bad", 500);
    const ok = await serve("ok");
    const client = createRerankClient({ url: `${bad.url},${ok.url}`, deadlineMs: 2000, breakerFailures: 1 });
    await client.rerank(request); // bad fails, circuit opens
    for (let i = 0; i < 4; i++) expect((await client.rerank(request)).ok).toBe(true);
    expect(bad.hits.n).toBe(1);
    expect(ok.hits.n).toBe(4);
  });
});
