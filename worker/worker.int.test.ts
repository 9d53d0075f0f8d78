import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "@/lib/net/free-port";

// The reranker worker as a real process with the real starter model (models/, built by
// `npm run models:build`).

const root = path.resolve(import.meta.dirname, "..");
let child: ChildProcess | undefined;
let url = "";
let output = "";


async function waitForReady(timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child?.exitCode !== null) throw new Error(`worker exited with code ${child?.exitCode}:\n${output}`);
    try {
      const res = await fetch(`${url}/health/ready`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`worker not ready after ${timeoutMs} ms:\n${output}`);
}

beforeAll(async () => {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  child = spawn(path.join(root, "node_modules/.bin/tsx"), ["worker/index.ts"], {
    cwd: root,
    env: { ...process.env, WORKER_PORT: String(port), WORKER_HOST: "127.0.0.1", WORKER_TOKEN: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  await waitForReady(120_000);
});

afterAll(async () => {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child!.once("exit", r));
  child.kill("SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (child.exitCode === null) child.kill("SIGKILL");
});

describe("reranker worker process", () => {
  it("logs its URL and execution provider once ready", () => {
    expect(output).toContain(url);
    expect(output).toMatch(/execution provider \w+/);
  });

  it("reports health with model and execution provider", async () => {
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
    const res = await fetch(`${url}/health`);
    expect(res.status).toBe(200);
    const health = await res.json();
    expect(health).toMatchObject({ live: true, ready: true });
    expect(health.model).toEqual({ id: expect.any(String), version: expect.any(String) });
    expect(typeof health.executionProvider).toBe("string");
  });

  it("ranks a relevant passage above an unrelated one", async () => {
    const res = await fetch(`${url}/rerank`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        query: "How do vaccines train the immune system to make antibodies?",
        candidates: [
          {
            id: "pasta",
            text: "Boil the pasta in salted water for nine minutes, then toss it with olive oil and garlic.",
          },
          {
            id: "vaccine",
            text: "Vaccines expose the immune system to an antigen so that B cells learn to produce antibodies against the pathogen.",
          },
          { id: "trains", text: "The train to the coast leaves the station every hour on weekdays." },
        ],
      }),
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.model).toEqual({ id: expect.any(String), version: expect.any(String) });
    expect(body.queueMs).toBeGreaterThanOrEqual(0);
    expect(body.computeMs).toBeGreaterThan(0);
    expect(body.results).toHaveLength(3);
    for (const r of body.results) {
      expect(r).toEqual({
        id: expect.any(String),
        index: expect.any(Number),
        score: expect.any(Number),
        rawScore: expect.any(Number),
        truncatedTokens: expect.any(Number),
      });
      expect(r.score).toBeGreaterThan(0);
      expect(r.score).toBeLessThan(1);
    }
    expect(body.results[0]).toMatchObject({ id: "vaccine", index: 1 });
    const score = (id: string) => body.results.find((r: { id: string }) => r.id === id).score;
    expect(score("vaccine")).toBeGreaterThan(score("pasta"));
  });

  it("rejects an invalid request with 400", async () => {
    const res = await fetch(`${url}/rerank`, { method: "POST", body: JSON.stringify({ query: "", candidates: [] }) });
    expect(res.status).toBe(400);
  });

  it("shuts down cleanly on SIGTERM", async () => {
    const exited = new Promise<number | null>((r) => child!.once("exit", (code) => r(code)));
    child!.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
