import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createRerankClient } from "@/lib/rerank/client";
import { freePort } from "@/lib/net/free-port";

// Faults against the real worker process: bad inputs, a 5 MB passage, batching under concurrency,
// and kill -9 under load with the client failing open, then a restart on the same port.

const root = path.resolve(import.meta.dirname, "..");
const children: ChildProcess[] = [];
let port = 0;
let url = "";


async function startWorker() {
  let output = "";
  // node --import tsx (not the tsx binary, which runs the worker in a child): kill -9 must hit the worker.
  const child = spawn(process.execPath, ["--import", "tsx", "worker/index.ts"], {
    cwd: root,
    env: { ...process.env, WORKER_PORT: String(port), WORKER_HOST: "127.0.0.1", WORKER_TOKEN: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`worker exited with code ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(`${url}/health/ready`)).ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`worker not ready:\n${output}`);
}

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

const post = (route: string, body: unknown) =>
  fetch(`${url}${route}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" || body instanceof Uint8Array ? (body as unknown as BodyInit) : JSON.stringify(body),
  });

const passages = [
  "Vaccines expose the immune system to an antigen so that B cells learn to produce antibodies.",
  "Boil the pasta in salted water for nine minutes, then toss it with olive oil and garlic.",
  "The train to the coast leaves the station every hour on weekdays.",
];
const queries = ["vaccines antibodies immune", "pasta garlic olive oil", "train station coast"];

describe("reranker worker process under faults", () => {
  it("starts", async () => {
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
    await startWorker();
  });

  it("answers each fault with a clear 4xx and keeps serving", async () => {
    const ok = () => post("/rerank", { query: queries[0], candidates: passages.map((text, i) => ({ id: String(i), text })) });
    const cases: [unknown, RegExp][] = [
      ["{not json", /not valid JSON/],
      [{ query: " ", candidates: [{ id: "a", text: "x" }] }, /must not be empty/],
      [new Uint8Array([0x7b, 0x22, 0x71, 0xff, 0xfe, 0x22, 0x7d]), /not valid UTF-8/],
      [{ query: "x", candidates: Array.from({ length: 10_000 }, (_, i) => ({ id: String(i), text: "t" })) }, /at most 1000/],
    ];
    for (const [body, message] of cases) {
      const res = await post("/rerank", body);
      expect(res.status).toBe(400);
      expect((await res.json()).error.message).toMatch(message);
      expect((await ok()).status).toBe(200);
    }
  });

  it("answers a 5 MB passage with its truncated token count", async () => {
    const text = "antibodies are made by immune cells ".repeat(150_000); // 5.4 MB, 900 000 words
    const res = await post("/rerank", { query: "antibodies", candidates: [{ id: "big", text }, { id: "small", text: "pasta" }] });
    expect(res.status).toBe(200);
    const body = await res.json();
    const big = body.results.find((r: { id: string }) => r.id === "big");
    expect(big.truncatedTokens).toBe(900_000 - 511);
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);
  });

  it("batches 16 concurrent requests into fewer model calls, each with its own results", async () => {
    const calls = async () =>
      Number(/^reranker_model_calls_total (\d+)/m.exec(await (await fetch(`${url}/metrics`)).text())?.[1]);
    const request = (i: number) => ({
      query: queries[i % 3],
      candidates: Array.from({ length: 45 }, (_, j) => ({ id: `${j}`, text: `${passages[j % 3]} (${j})` })),
    });
    const solo = await Promise.all([0, 1, 2].map((i) => post("/rerank", request(i)).then((r) => r.json())));
    const before = await calls();
    const bodies = await Promise.all(Array.from({ length: 16 }, (_, i) => post("/rerank", request(i)).then((r) => r.json())));
    const used = (await calls()) - before;
    expect(used).toBeLessThan(16);
    bodies.forEach((b, i) => {
      expect(b.results.map((r: { id: string }) => r.id)).toEqual(solo[i % 3].results.map((r: { id: string }) => r.id));
      expect(b.results[0].id).toBe(String(i % 3));
    });
  });

  it("answers NIM- and Cohere-style requests", async () => {
    const nim = await (await post("/v1/ranking", { query: { text: queries[1] }, passages: passages.map((text) => ({ text })) })).json();
    expect(nim.rankings[0].index).toBe(1);
    const cohere = await (await post("/v2/rerank", { query: queries[2], documents: passages, top_n: 1 })).json();
    expect(cohere.results).toEqual([{ index: 2, relevance_score: expect.any(Number) }]);
  });

  it("kill -9 under load: the client fails open; a restarted worker becomes ready again", async () => {
    const client = createRerankClient({ url, deadlineMs: 2000, breakerFailures: 3, breakerCooldownMs: 200 });
    const request = { query: queries[0], candidates: passages.map((text, i) => ({ id: String(i), text })) };
    let stop = false;
    const outcomes: { ok: boolean; reason?: string }[] = [];
    const load = Promise.all(
      Array.from({ length: 8 }, async () => {
        while (!stop) {
          const o = await client.rerank(request);
          outcomes.push(o.ok ? { ok: true } : { ok: false, reason: o.reason });
          if (!o.ok) await new Promise((r) => setTimeout(r, 20));
        }
      }),
    );
    await new Promise((r) => setTimeout(r, 300));
    children.at(-1)!.kill("SIGKILL");
    await new Promise((r) => setTimeout(r, 500));
    const failures = outcomes.filter((o) => !o.ok);
    expect(failures.length).toBeGreaterThan(0);
    for (const f of failures) expect(f.reason).toMatch(/^reranker (unavailable|circuit open|deadline exceeded)/);
    expect(failures.some((f) => f.reason === "reranker circuit open")).toBe(true);

    await startWorker();
    // After the cooldown a probe closes the circuit and answers come back.
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !outcomes.slice(-8).every((o) => o.ok)) await new Promise((r) => setTimeout(r, 100));
    stop = true;
    await load;
    expect(outcomes.slice(-8).every((o) => o.ok)).toBe(true);
    expect(outcomes.filter((o) => o.ok).length).toBeGreaterThan(8);
  });
});
