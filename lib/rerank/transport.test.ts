import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { describe, expect, it } from "vitest";
import type { RerankRequest, RerankResponse } from "@/lib/models/types";
import { createRerankClient } from "./client";
import { serversClosedAfterEach } from "./test-servers.testing";
import { keepAlivePost } from "./transport";

// The client's default transport (node:http over keep-alive agents) against real servers on 127.0.0.1:
// connection reuse, resets before and during the response, and the deadline.

const servers = serversClosedAfterEach();

const request: RerankRequest = { query: "q", candidates: [{ id: "1", text: "a passage" }] };
const good: RerankResponse = {
  model: { id: "m", version: "1" },
  results: [{ id: "1", index: 0, score: 0.5, rawScore: 0, truncatedTokens: 0 }],
  queueMs: 0,
  computeMs: 1,
};

/** A server whose handler sees the call number (from 1); counts connections and requests. */
async function serve(handler: (n: number, req: IncomingMessage, res: ServerResponse) => void) {
  const seen = { connections: 0, requests: 0, sockets: [] as Socket[] };
  const server = createServer(async (req, res) => {
    for await (const _ of req) void _;
    handler(++seen.requests, req, res);
  });
  server.on("connection", (socket) => {
    seen.connections++;
    seen.sockets.push(socket);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

const ok = (res: ServerResponse) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(good));
};

describe("keep-alive transport", () => {
  it("reuses one connection for calls in sequence", async () => {
    const { url, seen } = await serve((_n, _req, res) => ok(res));
    const client = createRerankClient({ url, deadlineMs: 5000 });
    for (let i = 0; i < 5; i++) expect((await client.rerank(request)).ok).toBe(true);
    expect(seen.requests).toBe(5);
    expect(seen.connections).toBe(1);
  });

  it("sends the body and headers and returns status, headers and body", async () => {
    let got: { body: string; type?: string; length?: string } | null = null;
    const server = createServer(async (req, res) => {
      let body = "";
      for await (const chunk of req) body += chunk;
      got = { body, type: req.headers["content-type"], length: req.headers["content-length"] };
      res.writeHead(429, { "retry-after": "3", "content-type": "text/plain; charset=utf-8" });
      res.end("slow down — ünïcode");
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const body = JSON.stringify({ text: "日本語 and ASCII" });
    const res = await keepAlivePost(`http://127.0.0.1:${(server.address() as AddressInfo).port}/x`, {
      headers: { "content-type": "application/json" },
      body,
      signal: AbortSignal.timeout(5000),
    });
    expect(got).toEqual({ body, type: "application/json", length: String(Buffer.byteLength(body)) });
    expect(res.status).toBe(429);
    expect(res.header("Retry-After")).toBe("3");
    expect(res.header("x-missing")).toBeNull();
    expect(res.body).toBe("slow down — ünïcode");
  });

  it("sends every body intact while calls in flight reuse each other's encoding buffers", async () => {
    const server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      res.end(Buffer.concat(chunks).toString("utf8"));
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // Sizes around and above the pooled buffers' limit, ASCII and multi-byte, in three waves.
    const bodies = Array.from({ length: 48 }, (_, i) =>
      JSON.stringify({
        i,
        text: (i % 3 ? "passage words " : "日本語のテキスト é ").repeat(200 + ((i * 7919) % 60_000)),
      }),
    );
    for (let wave = 0; wave < 3; wave++) {
      const echoed = await Promise.all(
        bodies.map((body) => keepAlivePost(url, { headers: {}, body, signal: AbortSignal.timeout(30_000) })),
      );
      echoed.forEach((res, i) => expect(res.body === bodies[i], `body ${i}, wave ${wave}`).toBe(true));
    }
  });

  it("retries once when the connection is reset before the response", async () => {
    const { url, seen } = await serve((n, req, res) => (n === 1 ? req.socket.destroy() : ok(res)));
    const outcome = await createRerankClient({ url, deadlineMs: 5000 }).rerank(request);
    expect(outcome.ok).toBe(true);
    expect(seen.requests).toBe(2);
  });

  it("retries once when the connection is cut in the middle of the response body", async () => {
    const { url, seen } = await serve((n, req, res) => {
      if (n > 1) return ok(res);
      res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
      res.write('{"model":');
      setImmediate(() => req.socket.destroy());
    });
    const outcome = await createRerankClient({ url, deadlineMs: 5000 }).rerank(request);
    expect(outcome.ok).toBe(true);
    expect(seen.requests).toBe(2);
  });

  it("fails open after the retry when every connection is reset", async () => {
    const { url, seen } = await serve((_n, req) => req.socket.destroy());
    const outcome = await createRerankClient({ url, deadlineMs: 5000 }).rerank(request);
    expect(outcome).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^reranker unavailable: .*(ECONNRESET|socket hang up)/),
    });
    expect(seen.requests).toBe(2);
  });

  it("a truncated body alone rejects with ECONNRESET in its message", async () => {
    const { url } = await serve((_n, req, res) => {
      res.writeHead(200, { "content-length": "100" });
      res.write("partial");
      setImmediate(() => req.socket.destroy());
    });
    await expect(keepAlivePost(url, { headers: {}, body: "{}", signal: AbortSignal.timeout(5000) })).rejects.toThrow(
      /ECONNRESET|aborted/,
    );
  });

  it("keeps working after the server closes its idle connections", async () => {
    const { url, seen, server } = await serve((_n, _req, res) => ok(res));
    const client = createRerankClient({ url, deadlineMs: 5000 });
    expect((await client.rerank(request)).ok).toBe(true);
    const closed = new Promise((r) => seen.sockets[0].once("close", r));
    server.closeIdleConnections();
    await closed;
    expect((await client.rerank(request)).ok).toBe(true);
    expect(seen.connections).toBe(2);
  });

  it("stops at the deadline, closes that connection, and the next call gets a fresh one", async () => {
    const { url, seen } = await serve((n, _req, res) => (n === 1 ? undefined : ok(res)));
    const client = createRerankClient({ url, deadlineMs: 100 });
    expect(await client.rerank(request)).toMatchObject({ ok: false, reason: "reranker deadline exceeded (100 ms)" });
    await new Promise((r) => (seen.sockets[0].destroyed ? r(null) : seen.sockets[0].once("close", r)));
    expect((await createRerankClient({ url, deadlineMs: 5000 }).rerank(request)).ok).toBe(true);
    expect(seen.requests).toBe(2);
    expect(seen.connections).toBe(2);
  });
});
