import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "@/lib/net/free-port";
import { createRerankClient } from "@/lib/rerank/client";

// The real worker process exposed on 0.0.0.0 with WORKER_TOKEN: it refuses calls without the token,
// serves them with it, refuses to start exposed without one, and never writes query or passage texts
// to its output.

const root = path.resolve(import.meta.dirname, "..");
const TOKEN = `test-token-${randomUUID()}`;
// Unique words in the query and the passages; none may ever show up in the worker's stdout or stderr.
const SENTINEL = `zqsentinel${randomUUID().replaceAll("-", "")}`;

interface Spawned {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

function spawnWorker(env: Record<string, string>): Spawned {
  let output = "";
  // node --import tsx (not the tsx binary, which runs the worker in a child): exit codes and output are its own.
  const child = spawn(process.execPath, ["--import", "tsx", "worker/index.ts"], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return { child, output: () => output, exited };
}

async function waitForReady(worker: Spawned, url: string, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (worker.child.exitCode !== null)
      throw new Error(`worker exited with code ${worker.child.exitCode}:\n${worker.output()}`);
    try {
      if ((await fetch(`${url}/health/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`worker not ready after ${timeoutMs} ms:\n${worker.output()}`);
}

const query = "How do vaccines train the immune system to make antibodies?";
const passages = [
  "Boil the pasta in salted water for nine minutes, then toss it with olive oil and garlic.",
  "Vaccines expose the immune system to an antigen so that B cells learn to produce antibodies.",
  "The train to the coast leaves the station every hour on weekdays.",
];
// The same texts marked with the sentinel (kept apart: an unknown word shared by all texts sways the ranking).
const marked = (text: string) => `${text} ${SENTINEL}`;

type Ranked = { results?: { index: number }[]; rankings?: { index: number }[] };
/** Each API route with a request for (query, passages), and the top-ranked passage index from its answer. */
const routes = (q: string, ps: string[]) => [
  { route: "/rerank", body: { query: q, candidates: ps.map((text, i) => ({ id: `p${i}`, text })) } },
  { route: "/v1/ranking", body: { query: { text: q }, passages: ps.map((text) => ({ text })) } },
  { route: "/v2/rerank", body: { query: q, documents: ps, return_documents: true } },
];
const ranking = (b: Ranked) => (b.results ?? b.rankings ?? []).map((r) => r.index);

const call = (url: string, route: string, init: { authorization?: string; body?: unknown } = {}) =>
  fetch(`${url}${route}`, {
    method: init.body === undefined ? "GET" : "POST",
    headers: {
      "content-type": "application/json",
      ...(init.authorization ? { authorization: init.authorization } : {}),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });

describe("reranker worker exposed without a token", () => {
  it("refuses to start: exit code 1 and a one-line reason on stderr", async () => {
    const port = await freePort();
    let stderr = "";
    const child = spawn(process.execPath, ["--import", "tsx", "worker/index.ts"], {
      cwd: root,
      env: { ...process.env, WORKER_PORT: String(port), WORKER_HOST: "0.0.0.0", WORKER_TOKEN: "" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    children.push(child);
    child.stderr?.on("data", (d) => (stderr += d));
    const code = await new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      "WORKER_HOST=0.0.0.0 is not a loopback address: set WORKER_TOKEN (the app sends it as Authorization: Bearer)",
    );
  });
});

describe("reranker worker exposed with WORKER_TOKEN", () => {
  let worker: Spawned;
  let url = "";

  it("starts on 0.0.0.0 and answers the health probes without a token", async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    worker = spawnWorker({ WORKER_PORT: String(port), WORKER_HOST: "0.0.0.0", WORKER_TOKEN: TOKEN });
    await waitForReady(worker, url);
    expect(worker.output()).toContain("token required");
    expect((await call(url, "/health/live")).status).toBe(200);
    const ready = await call(url, "/health/ready");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true });
  });

  it("refuses every API route without the token, and with a wrong one", async () => {
    for (const { route, body } of [
      ...routes(query, passages),
      { route: "/metrics", body: undefined },
      { route: "/health", body: undefined },
    ]) {
      for (const authorization of [undefined, "Bearer wrong-token", `Bearer ${TOKEN}x`, TOKEN, `Basic ${TOKEN}`]) {
        const res = await call(url, route, { authorization, body });
        expect(res.status, `${route} with ${authorization ?? "no Authorization"}`).toBe(401);
        expect(res.headers.get("www-authenticate")).toMatch(/^Bearer\b/);
        expect(await res.json()).toEqual({ error: { code: "unauthorized:rerank", message: expect.any(String) } });
      }
    }
  });

  it("serves real rankings with the token on its own, NIM- and Cohere-style routes", async () => {
    for (const { route, body } of routes(query, passages)) {
      const res = await call(url, route, { authorization: `Bearer ${TOKEN}`, body });
      expect(res.status, route).toBe(200);
      // The vaccine passage wins on every route: real scores from the real model.
      const order = ranking(await res.json());
      expect(order, route).toHaveLength(3);
      expect(order[0], route).toBe(1);
    }
  });

  it("serves /metrics with the token, counting the refused calls", async () => {
    const res = await call(url, "/metrics", { authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/status="401"/);
    expect(text).toMatch(/status="200"/);
  });

  it("is reachable through the rerank client with the token, and not without it", async () => {
    const request = { query, candidates: passages.map((text, i) => ({ id: `p${i}`, text })) };
    const withToken = await createRerankClient({ url, deadlineMs: 10_000, token: TOKEN }).rerank(request);
    expect(withToken.ok).toBe(true);
    if (withToken.ok) expect(withToken.response.results[0]).toMatchObject({ id: "p1", score: expect.any(Number) });
    const without = await createRerankClient({ url, deadlineMs: 10_000 }).rerank(request);
    expect(without).toMatchObject({ ok: false, reason: expect.stringMatching(/^reranker returned HTTP 401/) });
  });

  it("never writes query or passage texts to stdout or stderr", async () => {
    const auth = `Bearer ${TOKEN}`;
    const q = marked(query);
    const ps = passages.map(marked);
    for (const { route, body } of routes(q, ps)) {
      const res = await call(url, route, { authorization: auth, body });
      expect(res.status, route).toBe(200);
      expect(ranking(await res.json()), route).toHaveLength(3);
    }
    const client = createRerankClient({ url, deadlineMs: 10_000, token: TOKEN });
    expect((await client.rerank({ query: q, candidates: ps.map((text, i) => ({ id: `p${i}`, text })) })).ok).toBe(true);
    // Refused and failing requests too: no token, a bad field, an unknown model, truncate NONE over the limit.
    expect((await call(url, "/rerank", { body: routes(q, ps)[0].body })).status).toBe(401);
    expect(
      (await call(url, "/rerank", { authorization: auth, body: { query: q, candidates: [{ text: SENTINEL }] } }))
        .status,
    ).toBe(400);
    expect(
      (await call(url, "/rerank", { authorization: auth, body: { ...routes(q, ps)[0].body, model: SENTINEL } })).status,
    ).toBe(400);
    const nim = { query: { text: q }, passages: [{ text: `${SENTINEL} `.repeat(600) }], truncate: "NONE" };
    expect((await call(url, "/v1/ranking", { authorization: auth, body: nim })).status).toBe(400);
    const exited = worker.exited;
    worker.child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(worker.output()).toContain("reranker worker ready");
    expect(worker.output()).not.toContain(SENTINEL);
  });
});
