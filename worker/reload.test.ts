import { afterEach, describe, expect, it } from "vitest";
import { createMockReranker } from "./reranker.mock";
import { createWorkerServer, type WorkerServer } from "./server";

// POST /admin/reload: a new head version is picked up without a restart (the model version, and so
// the app's rerank cache key, changes), behind the worker token like every other route.

const TOKEN = "reload-test-token";
const workers: WorkerServer[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.close({ timeoutMs: 1000 })));
});

function versioned(version: string, headVersion: string) {
  const m = createMockReranker();
  m.info.version = version; // the double's responses carry this object
  return Object.assign(m, { headVersion });
}

async function start(reload?: () => Promise<ReturnType<typeof versioned>>) {
  const worker = createWorkerServer({
    reranker: versioned("1", "builtin"),
    token: TOKEN,
    defaultMetrics: false,
    reload,
  });
  workers.push(worker);
  const { url } = await worker.listen({ port: 0, host: "127.0.0.1" });
  await worker.ready;
  return url;
}

const auth = { authorization: `Bearer ${TOKEN}` };
const rerank = (url: string) =>
  fetch(`${url}/rerank`, {
    method: "POST",
    headers: { "content-type": "application/json", ...auth },
    body: JSON.stringify({ query: "kernel", candidates: [{ id: "a", text: "kernel pooling" }] }),
  }).then((r) => r.json() as Promise<{ model: { version: string } }>);

describe("worker reload", () => {
  it("swaps in the reloaded model and reports its head version", async () => {
    let loads = 0;
    const url = await start(async () => versioned(String(2 + loads++), "3f2a9c1d-20261125T153000Z"));
    expect((await rerank(url)).model.version).toBe("1");

    expect((await fetch(`${url}/admin/reload`, { method: "POST" })).status).toBe(401);
    const res = await fetch(`${url}/admin/reload`, { method: "POST", headers: auth });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      model: { id: "mock-overlap", version: "2" },
      headVersion: "3f2a9c1d-20261125T153000Z",
      previous: { id: "mock-overlap", version: "1" },
    });
    expect((await rerank(url)).model.version).toBe("2");
    const health = (await (await fetch(`${url}/health`, { headers: auth })).json()) as Record<string, unknown>;
    expect(health.headVersion).toBe("3f2a9c1d-20261125T153000Z");
  });

  it("keeps serving the old model when the reload fails", async () => {
    const url = await start(async () => {
      throw new Error("model.onnx is missing");
    });
    const res = await fetch(`${url}/admin/reload`, { method: "POST", headers: auth });
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
      /previous model keeps serving/,
    );
    expect((await rerank(url)).model.version).toBe("1");
  });

  it("answers 404 without a reload function", async () => {
    const url = await start();
    expect((await fetch(`${url}/admin/reload`, { method: "POST", headers: auth })).status).toBe(404);
    expect((await fetch(`${url}/admin/reload`, { headers: auth })).status).toBe(405);
  });
});
