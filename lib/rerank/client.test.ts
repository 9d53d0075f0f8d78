import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import type { RerankRequest, RerankResponse } from "@/lib/models/types";
import { createRerankClient } from "./client";
import { serversClosedAfterEach } from "./test-servers.testing";
import { freePort } from "@/lib/net/free-port";

// A real HTTP server on 127.0.0.1:0 per test, so connection errors and timeouts are the real ones.

const servers = serversClosedAfterEach();

async function serve(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<string> {
  const server = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    handler(req, body, res);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const request: RerankRequest = {
  query: "what is bm25",
  candidates: [
    { id: "1", text: "BM25 is a ranking function." },
    { id: "2", text: "Pasta recipes.", features: { bm25Score: 1.5, vectorScore: null, fusedRank: 2 } },
  ],
  topN: 2,
};

const good: RerankResponse = {
  model: { id: "starter-knrm", version: "1" },
  results: [
    { id: "1", index: 0, score: 0.9, rawScore: 2.2, truncatedTokens: 0 },
    { id: "2", index: 1, score: 0.1, rawScore: -2.2, truncatedTokens: 0 },
  ],
  queueMs: 0.5,
  computeMs: 3,
};

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
};

describe("createRerankClient", () => {
  it("posts the request to /rerank and returns the validated response", async () => {
    let seen: { method?: string; url?: string; body?: unknown } = {};
    const url = await serve((req, body, res) => {
      seen = { method: req.method, url: req.url, body: JSON.parse(body) };
      json(res, 200, good);
    });
    const outcome = await createRerankClient({ url: url + "/", deadlineMs: 2000 }).rerank(request);
    expect(seen).toEqual({ method: "POST", url: "/rerank", body: request });
    expect(outcome.ok).toBe(true);
    if (outcome.ok) expect(outcome.response).toEqual(good);
    expect(outcome.wallMs).toBeGreaterThan(0);
  });

  it("sends the token as Authorization: Bearer on every call, and no Authorization without one", async () => {
    const seen: (string | undefined)[] = [];
    const url = await serve((req, _body, res) => {
      seen.push(req.headers.authorization);
      json(res, 200, good);
    });
    const withToken = createRerankClient({ url, deadlineMs: 2000, token: "s3cret" });
    expect((await withToken.rerank(request)).ok).toBe(true);
    expect((await withToken.rerank(request)).ok).toBe(true);
    expect((await createRerankClient({ url, deadlineMs: 2000 }).rerank(request)).ok).toBe(true);
    expect(seen).toEqual(["Bearer s3cret", "Bearer s3cret", undefined]);
  });

  it("reports a worker's 401 with its message", async () => {
    const url = await serve((_req, _body, res) =>
      json(res, 401, { error: { code: "unauthorized:rerank", message: "invalid worker token" } }),
    );
    expect(await createRerankClient({ url, deadlineMs: 2000, token: "wrong" }).rerank(request)).toMatchObject({
      ok: false,
      reason: "reranker returned HTTP 401: invalid worker token",
    });
  });

  it("reports a refused connection as unavailable", async () => {
    const port = await freePort();
    const outcome = await createRerankClient({ url: `http://127.0.0.1:${port}`, deadlineMs: 2000 }).rerank(request);
    expect(outcome).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^reranker unavailable: .*ECONNREFUSED/),
    });
  });

  it("gives up at the deadline", async () => {
    const url = await serve((_req, _body, res) => void setTimeout(() => json(res, 200, good), 1500));
    const started = performance.now();
    const outcome = await createRerankClient({ url, deadlineMs: 200 }).rerank(request);
    expect(outcome).toMatchObject({ ok: false, reason: "reranker deadline exceeded (200 ms)" });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("gives up at the deadline while the body is still streaming", async () => {
    const url = await serve((_req, _body, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"model":');
      setTimeout(() => res.end("null}"), 1500);
    });
    const outcome = await createRerankClient({ url, deadlineMs: 200 }).rerank(request);
    expect(outcome).toMatchObject({ ok: false, reason: "reranker deadline exceeded (200 ms)" });
  });

  it("reports non-2xx responses with their status and message", async () => {
    const url = await serve((_req, _body, res) =>
      json(res, 500, { error: { code: "internal:rerank", message: "model crashed" } }),
    );
    const outcome = await createRerankClient({ url, deadlineMs: 2000 }).rerank(request);
    expect(outcome).toMatchObject({ ok: false, reason: "reranker returned HTTP 500: model crashed" });

    const plain = await serve((_req, _body, res) => {
      res.writeHead(503);
      res.end("warming up");
    });
    expect(await createRerankClient({ url: plain, deadlineMs: 2000 }).rerank(request)).toMatchObject({
      ok: false,
      reason: "reranker returned HTTP 503: warming up",
    });
  });

  it("reports malformed JSON and responses of the wrong shape", async () => {
    const broken = await serve((_req, _body, res) => json(res, 200, "{not json"));
    expect(await createRerankClient({ url: broken, deadlineMs: 2000 }).rerank(request)).toMatchObject({
      ok: false,
      reason: "reranker returned malformed JSON (HTTP 200)",
    });

    const wrong = await serve((_req, _body, res) => json(res, 200, { ...good, results: [{ id: "1", index: 0 }] }));
    const outcome = await createRerankClient({ url: wrong, deadlineMs: 2000 }).rerank(request);
    expect(outcome).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/invalid response \(HTTP 200\): results\.0\.score/),
    });

    const outOfRange = await serve((_req, _body, res) =>
      json(res, 200, { ...good, results: [{ ...good.results[0], index: 7 }] }),
    );
    expect(await createRerankClient({ url: outOfRange, deadlineMs: 2000 }).rerank(request)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/index 7 is out of range/),
    });
  });

  it("never throws, even when fetch itself throws synchronously-shaped errors", async () => {
    const client = createRerankClient({
      url: "http://reranker.invalid",
      deadlineMs: 100,
      fetch: async () => {
        throw new TypeError("fetch failed", { cause: new Error("getaddrinfo ENOTFOUND reranker.invalid") });
      },
    });
    expect(await client.rerank(request)).toMatchObject({
      ok: false,
      reason: "reranker unavailable: getaddrinfo ENOTFOUND reranker.invalid",
    });
  });
});
