import { afterEach, describe, expect, it } from "vitest";
import { createMockReranker } from "./reranker.mock";
import { createWorkerServer, type WorkerServer } from "./server";

// The token check in the HTTP server, against the test double (the real process: worker-auth.int.test.ts).

const TOKEN = "unit-test-token";
const workers: WorkerServer[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.close({ timeoutMs: 1000 })));
});

async function start(token?: string) {
  const worker = createWorkerServer({ reranker: createMockReranker(), token, defaultMetrics: false });
  workers.push(worker);
  const { url } = await worker.listen({ port: 0, host: "127.0.0.1" });
  await worker.ready;
  return url;
}

const body = JSON.stringify({ query: "kernel pooling", candidates: [{ id: "a", text: "kernel pooling reranker" }] });
const call = (url: string, method: string, route: string, authorization?: string) =>
  fetch(`${url}${route}`, {
    method,
    headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
    body: method === "POST" ? body : undefined,
  });

describe("worker token", () => {
  it("answers 401 with WWW-Authenticate and a JSON error on every route but the health probes", async () => {
    const url = await start(TOKEN);
    for (const [method, route] of [
      ["POST", "/rerank"],
      ["POST", "/v1/ranking"],
      ["POST", "/v2/rerank"],
      ["GET", "/metrics"],
      ["GET", "/health"],
      ["GET", "/nope"],
      ["GET", "/rerank"],
    ]) {
      const missing = await call(url, method, route);
      expect(missing.status, `${method} ${route}`).toBe(401);
      expect(missing.headers.get("www-authenticate")).toBe("Bearer");
      expect(await missing.json()).toEqual({ error: { code: "unauthorized:rerank", message: expect.any(String) } });

      const wrong = await call(url, method, route, "Bearer not-the-token");
      expect(wrong.status, `${method} ${route}`).toBe(401);
      expect(wrong.headers.get("www-authenticate")).toMatch(/^Bearer /);
      expect((await wrong.json()).error.code).toBe("unauthorized:rerank");
    }
    expect((await call(url, "GET", "/health/live")).status).toBe(200);
    expect((await call(url, "GET", "/health/ready")).status).toBe(200);
  });

  it("serves calls that carry the token", async () => {
    const url = await start(TOKEN);
    const res = await call(url, "POST", "/rerank", `Bearer ${TOKEN}`);
    expect(res.status).toBe(200);
    expect((await res.json()).results).toHaveLength(1);
    expect((await call(url, "GET", "/metrics", `Bearer ${TOKEN}`)).status).toBe(200);
    expect((await call(url, "GET", "/nope", `Bearer ${TOKEN}`)).status).toBe(404);
  });

  it("needs no token when none is configured", async () => {
    const url = await start();
    expect((await call(url, "POST", "/rerank")).status).toBe(200);
  });

  it("refuses to listen on an exposed address without a token", async () => {
    const worker = createWorkerServer({ reranker: createMockReranker(), defaultMetrics: false });
    workers.push(worker);
    await expect(worker.listen({ port: 0, host: "0.0.0.0" })).rejects.toThrow(/is not a loopback address/);
    expect(worker.server.listening).toBe(false);
  });
});
