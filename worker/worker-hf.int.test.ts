import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadHfCrossEncoder, type HfCrossEncoder } from "@/lib/models/hf/cross-encoder";
import { writeBertFixture } from "@/lib/models/hf/testing/bert-fixture";
import { freePort } from "@/lib/net/free-port";

// The worker process serving a Hugging Face cross-encoder chosen by configuration (RERANKER_MODEL_DIR):
// a BERT-architecture fixture (random weights, WordPiece tokenizer.json) generated into a temp models
// folder. Every route must give the scores the same model gives in-process, truncation included; and
// RERANKER_DEVICE=auto must end on cpu here with a reason for cuda and for webgpu.

const root = path.resolve(import.meta.dirname, "..");
const tsx = path.join(root, "node_modules/.bin/tsx");
const MODEL_ID = "test/bert-cross-encoder";
const MAX_LENGTH = 48;
const FOLDER = "bert-ce";
const QUERY = "protein risk in patients";
const LONG = Array.from({ length: 120 }, (_, i) => ["protein", "cell", "gene", "water", "energy"][i % 5]).join(" ");
const PASSAGES = [
  "The protein study found a risk effect in patients.",
  "rank the running runners by their ranking scores",
  LONG,
  "water and energy in the city",
  "gene",
];

let modelsDir = "";
let env: NodeJS.ProcessEnv = { ...process.env };
let child: ChildProcess | undefined;
let url = "";
let output = "";
let local: HfCrossEncoder;
let expected: { scores: number[]; logits: number[]; truncatedTokens: number[] };

async function waitForReady(timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child?.exitCode !== null) throw new Error(`worker exited with code ${child?.exitCode}:\n${output}`);
    if (
      await fetch(`${url}/health/ready`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`worker not ready after ${timeoutMs} ms:\n${output}`);
}

const post = (route: string, body: unknown) =>
  fetch(`${url}${route}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

const closeTo = (actual: number, wanted: number) => expect(Math.abs(actual - wanted)).toBeLessThan(1e-5);

beforeAll(async () => {
  modelsDir = await mkdtemp(path.join(tmpdir(), "ranklens-worker-hf-"));
  await writeBertFixture(path.join(modelsDir, FOLDER), {
    kind: "cross-encoder",
    seed: 9,
    manifest: { id: MODEL_ID, maxLength: MAX_LENGTH, licence: "apache-2.0" },
  });
  local = await loadHfCrossEncoder(path.join(modelsDir, FOLDER));
  expected = await local.score(QUERY, PASSAGES);

  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  env = {
    ...process.env,
    WORKER_PORT: String(port),
    WORKER_HOST: "127.0.0.1",
    WORKER_TOKEN: "",
    MODELS_DIR: modelsDir,
    // A folder name under MODELS_DIR, as models:list shows it.
    RERANKER_MODEL_DIR: FOLDER,
    RERANKER_DEVICE: "auto",
    // Long enough that concurrent requests share a model call.
    RERANK_MAX_WAIT_MS: "200",
  };
  child = spawn(tsx, ["worker/index.ts"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  await waitForReady(120_000);
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child!.once("exit", r));
    child.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null) child.kill("SIGKILL");
  }
  await local?.release();
  if (modelsDir) await rm(modelsDir, { recursive: true, force: true });
});

describe("worker serving a Hugging Face cross-encoder (RERANKER_MODEL_DIR)", () => {
  it("is ready with the configured model; /health reports cpu and why cuda and webgpu were not used", async () => {
    const ready = await fetch(`${url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, status: "ready" });

    const health = await (await fetch(`${url}/health`)).json();
    expect(health).toMatchObject({ status: "ready", ready: true, model: { id: MODEL_ID }, executionProvider: "cpu" });
    expect(health.device).toMatchObject({ requested: "auto", executionProvider: "cpu" });
    const attempts = health.device.attempts as { provider: string; ok: boolean; reason: string }[];
    expect(attempts.map((a) => [a.provider, a.ok])).toEqual([
      ["cuda", false],
      ["webgpu", false],
      ["cpu", true],
    ]);
    // onnxruntime-node from npm has no CUDA binaries; this machine has no Vulkan GPU driver.
    expect(attempts[0].reason).toMatch(/ONNXRUNTIME_NODE_INSTALL=cuda12/);
    expect(attempts[1].reason).toMatch(/libvulkan|Vulkan|adapter/);

    // The log names the provider it got and why each other one was not used.
    const logged = output
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((entry) => entry.msg === "execution provider cpu");
    expect(logged).toMatchObject({
      requested: "auto",
      executionProvider: "cpu",
      cuda: attempts[0].reason,
      webgpu: attempts[1].reason,
      cpu: "ok",
    });
    expect(output).toContain(`${MODEL_ID}@`);
  });

  it("POST /rerank: the in-process model's scores, logits and truncation counts", async () => {
    const res = await post("/rerank", {
      query: QUERY,
      candidates: PASSAGES.map((text, i) => ({ id: `p${i}`, text })),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      model: { id: string };
      results: { id: string; index: number; score: number; rawScore: number; truncatedTokens: number }[];
    };
    expect(body.model.id).toBe(MODEL_ID);
    expect(body.results.map((r) => r.index).sort()).toEqual([0, 1, 2, 3, 4]);
    for (const r of body.results) {
      expect(r.id).toBe(`p${r.index}`);
      closeTo(r.score, expected.scores[r.index]);
      closeTo(r.rawScore, expected.logits[r.index]);
      expect(r.truncatedTokens).toBe(expected.truncatedTokens[r.index]);
    }
    const scores = body.results.map((r) => r.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    // The over-long passage was cut to the model's max length, and only it.
    const cut = local.encodePair(QUERY, LONG).truncated;
    expect(cut).toBeGreaterThan(60);
    expect(body.results.find((r) => r.index === 2)!.truncatedTokens).toBe(cut);
    expect(body.results.filter((r) => r.truncatedTokens > 0).map((r) => r.index)).toEqual([2]);
  });

  it("POST /v1/ranking (NIM): the same logits; truncate NONE refuses the over-long passage", async () => {
    const body = { model: MODEL_ID, query: { text: QUERY }, passages: PASSAGES.map((text) => ({ text })) };
    const res = await post("/v1/ranking", { ...body, truncate: "END" });
    expect(res.status).toBe(200);
    const { rankings } = (await res.json()) as { rankings: { index: number; logit: number }[] };
    expect(rankings).toHaveLength(PASSAGES.length);
    for (const r of rankings) closeTo(r.logit, expected.logits[r.index]);
    expect(rankings.map((r) => r.logit)).toEqual([...rankings.map((r) => r.logit)].sort((a, b) => b - a));

    const refused = await post("/v1/ranking", { ...body, truncate: "NONE" });
    expect(refused.status).toBe(400);
    const { error } = (await refused.json()) as { error: { message: string } };
    expect(error.message).toContain(`${local.encodePair(QUERY, LONG).truncated} tokens over`);

    const wrongModel = await post("/v1/ranking", { ...body, model: "someone/else" });
    expect(wrongModel.status).toBe(400);
  });

  it("POST /v2/rerank (Cohere): the same scores as relevance_score, top_n honoured", async () => {
    const res = await post("/v2/rerank", { model: MODEL_ID, query: QUERY, documents: PASSAGES, top_n: 2 });
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as { results: { index: number; relevance_score: number }[] };
    const best = expected.scores
      .map((s, i) => [s, i] as const)
      .sort((a, b) => b[0] - a[0])
      .slice(0, 2)
      .map(([, i]) => i);
    expect(results.map((r) => r.index)).toEqual(best);
    for (const r of results) closeTo(r.relevance_score, expected.scores[r.index]);
  });

  it("batches concurrent requests into shared model calls, each answered with its own scores", async () => {
    const calls = async () => {
      const text = await (await fetch(`${url}/metrics`)).text();
      return Number(/^reranker_model_calls_total (\d+)/m.exec(text)?.[1] ?? NaN);
    };
    const before = await calls();
    const queries = ["protein", "gene risk", "water energy", "ranking scores", "patients", "cell"];
    const answers = await Promise.all(
      queries.map(async (query) => {
        const res = await post("/rerank", { query, candidates: PASSAGES.map((text, i) => ({ id: `p${i}`, text })) });
        expect(res.status).toBe(200);
        return { query, body: (await res.json()) as { results: { index: number; rawScore: number }[] } };
      }),
    );
    const used = (await calls()) - before;
    expect(used).toBeGreaterThanOrEqual(1);
    expect(used).toBeLessThan(queries.length);
    for (const { query, body } of answers) {
      const alone = await local.score(query, PASSAGES);
      for (const r of body.results) closeTo(r.rawScore, alone.logits[r.index]);
    }
  });

  it("POST /admin/reload loads the folder again and keeps serving the same scores", async () => {
    const res = await post("/admin/reload", {});
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ model: { id: MODEL_ID }, previous: { id: MODEL_ID } });
    const again = await post("/rerank", { query: QUERY, candidates: [{ id: "long", text: LONG }] });
    const { results } = (await again.json()) as { results: { rawScore: number; truncatedTokens: number }[] };
    closeTo(results[0].rawScore, expected.logits[2]);
    expect(results[0].truncatedTokens).toBe(expected.truncatedTokens[2]);
    const health = await (await fetch(`${url}/health`)).json();
    expect(health.device).toMatchObject({ requested: "auto", executionProvider: "cpu" });
  });

  it("stops with the reason when an explicit RERANKER_DEVICE cannot open, or RERANKER_MODEL_DIR holds no reranker", async () => {
    const run = async (extra: Record<string, string>) => {
      const port = String(await freePort());
      return new Promise<{ code: number | null; out: string }>((resolve) => {
        let out = "";
        const p = spawn(tsx, ["worker/index.ts"], { cwd: root, env: { ...env, WORKER_PORT: port, ...extra } });
        p.stdout.on("data", (d) => (out += d));
        p.stderr.on("data", (d) => (out += d));
        p.once("exit", (code) => resolve({ code, out }));
      });
    };
    const cuda = await run({ RERANKER_DEVICE: "cuda" });
    expect(cuda.code).toBe(1);
    expect(cuda.out).toMatch(
      /RERANKER_DEVICE=cuda: no execution provider could run \(cuda: .*ONNXRUNTIME_NODE_INSTALL=cuda12/,
    );
    const missing = await run({ RERANKER_MODEL_DIR: "no-such-folder" });
    expect(missing.code).toBe(1);
    expect(missing.out).toMatch(/RERANKER_MODEL_DIR=no-such-folder \(.*no-such-folder\) is not a model folder/);
  });

  it("npm run models:list marks as active the folder the worker serves", async () => {
    const { stdout } = await promisify(execFile)(tsx, ["scripts/models-list.ts", "--json"], { cwd: root, env });
    const listed = JSON.parse(stdout) as { active: { reranker: string }; models: { name: string; active: boolean }[] };
    const health = await (await fetch(`${url}/health`)).json();
    expect(listed.active.reranker).toBe(health.model.id);
    expect(listed.models.filter((m) => m.active).map((m) => m.name)).toEqual([FOLDER]);
  });
});
