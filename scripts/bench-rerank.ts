// npm run bench:rerank -- [--url http://127.0.0.1:3001] [--out file.json] [--n 40]
// 45 candidates of ~400 words per request at concurrency 1, 4, 16, 64: through the batching worker
// over HTTP (started here on a free port unless --url), and through a "naive" in-process client that
// runs one (query, passage) pair per session call. Prints a table and writes JSON
// { results: [{ client, model, concurrency, candidates, p50Ms, p95Ms, p99Ms, pairsPerSec }], limit }.
import { spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { env } from "@/lib/env";
import { loadStarterReranker } from "@/lib/models/starter";
import { GraphBuilder } from "@/lib/models/onnx/graph";
import { openSession, ort } from "@/lib/models/onnx/session";
import { DIMENSION, KERNEL_MUS } from "@/lib/models/starter/spec";
import type { RerankRequest } from "@/lib/models/types";
import { wordTokens } from "@/lib/models/word-tokens";
import { createRerankClient } from "@/lib/rerank/client";
import { freePort } from "@/lib/net/free-port";

const CANDIDATES = 45;
const WORDS = 400;
const CONCURRENCY = [1, 4, 16, 64];
const VOCAB =
  "the immune system vaccine antibody cell protein gene retrieval ranking query passage model kernel train coast station river mountain city energy market policy climate water school data network signal".split(" ");

function text(seed: number, words: number): string {
  let x = seed * 2654435761;
  const out: string[] = [];
  for (let i = 0; i < words; i++) {
    x = (Math.imul(x ^ (x >>> 15), 2246822519) + i) | 0;
    out.push(VOCAB[Math.abs(x) % VOCAB.length]);
  }
  return out.join(" ");
}

const buildRequest = (i: number): RerankRequest => ({
  query: text(1000 + i, 8),
  candidates: Array.from({ length: CANDIDATES }, (_, j) => ({
    id: String(j),
    text: text(i * 97 + j, WORDS),
    features: { bm25Score: 20 - j / 3, vectorScore: 0.5, fusedRank: j + 1 },
  })),
});

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

async function load(concurrency: number, total: number, call: (i: number) => Promise<void>) {
  const times: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = performance.now();
        await call(i);
        times.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { p50Ms: pct(times, 50), p95Ms: pct(times, 95), p99Ms: pct(times, 99), pairsPerSec: (total * CANDIDATES) / seconds };
}


const PEAK_N = 1024;

/**
 * The machine's practical float32 peak as the worker's runtime reaches it: an onnxruntime MatMul of
 * two 1024×1024 float32 matrices (2·n³ flops) on the worker's execution providers and thread count,
 * best of several runs after a warm-up.
 */
async function measurePeakFlops(): Promise<{ peakFlops: number; executionProvider: string }> {
  const g = new GraphBuilder("peak_matmul");
  const a = g.input({ name: "a", type: "FLOAT", shape: [PEAK_N, PEAK_N] });
  const b = g.input({ name: "b", type: "FLOAT", shape: [PEAK_N, PEAK_N] });
  g.output({ name: "c", type: "FLOAT", shape: [PEAK_N, PEAK_N] }, g.op("MatMul", [a, b]));
  const { session, executionProvider } = await openSession(
    g.encode(),
    env.RERANKER_EXECUTION_PROVIDERS,
    env.RERANKER_THREADS || undefined,
  );
  const data = (seed: number) => Float32Array.from({ length: PEAK_N * PEAK_N }, (_, i) => ((i * seed) % 17) / 17 - 0.5);
  const feeds = {
    a: new ort.Tensor("float32", data(3), [PEAK_N, PEAK_N]),
    b: new ort.Tensor("float32", data(5), [PEAK_N, PEAK_N]),
  };
  await session.run(feeds);
  let best = Infinity;
  for (let rep = 0; rep < 10; rep++) {
    const t0 = performance.now();
    await session.run(feeds);
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  await session.release();
  return { peakFlops: (2 * PEAK_N ** 3) / best, executionProvider };
}

async function main() {
  const { values } = parseArgs({ options: { url: { type: "string" }, out: { type: "string" }, n: { type: "string", default: "40" } } });
  const perLevel = Number(values.n);
  let url = values.url;
  let stopWorker: (() => Promise<void>) | null = null;
  if (!url) {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, ["--import", "tsx", "worker/index.ts"], {
      env: { ...process.env, WORKER_PORT: String(port), WORKER_HOST: "127.0.0.1" },
      stdio: ["ignore", "ignore", "inherit"],
    });
    stopWorker = () => new Promise((r) => (child.once("exit", () => r()), child.kill("SIGTERM")));
    for (let i = 0; i < 600; i++) {
      if (await fetch(`${url}/health/ready`).then((r) => r.ok, () => false)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    const auth: Record<string, string> = env.WORKER_TOKEN ? { authorization: `Bearer ${env.WORKER_TOKEN}` } : {};
    const health = (await (await fetch(`${url}/health`, { headers: auth })).json()) as {
      model: { id: string; version: string };
    };
    const model = `${health.model.id}@${health.model.version}`;
    const client = createRerankClient({ url, deadlineMs: 120_000, token: env.WORKER_TOKEN });
    const starter = await loadStarterReranker(env.MODELS_DIR, {
      executionProviders: env.RERANKER_EXECUTION_PROVIDERS,
      threads: env.RERANKER_THREADS || undefined,
    });
    await starter.warmUp();
    // Requests are built before timing: generating 45 × 400 words is the load generator's work, not latency.
    const built = Array.from({ length: Math.max(perLevel, Math.max(...CONCURRENCY) * 3) }, (_, i) => buildRequest(i));
    const request = (i: number) => built[i % built.length];
    const results: Record<string, unknown>[] = [];
    for (const concurrency of CONCURRENCY) {
      const total = Math.max(perLevel, concurrency * 3);
      await load(concurrency, concurrency, async (i) => void (await client.rerank(request(i)))); // warm
      const batched = await load(concurrency, total, async (i) => {
        const o = await client.rerank(request(i));
        if (!o.ok) throw new Error(o.reason);
      });
      results.push({ client: "batched", model, concurrency, candidates: CANDIDATES, ...batched });
      // Naive: one pair per session call, in-process (no HTTP), requests interleaved on the event loop.
      const naive = await load(concurrency, Math.max(8, Math.min(total, concurrency * 2)), async (i) => {
        const r = request(i);
        for (const c of r.candidates) await starter.rerank({ query: r.query, candidates: [c] });
      });
      results.push({ client: "naive", model, concurrency, candidates: CANDIDATES, ...naive });
      console.error(`concurrency ${concurrency} done`);
    }
    // Dominant ops per pair: the q×p×100 cosine matmul (multiply-add = 2 flops) and the 11 RBF
    // kernels over the q×p similarity matrix (subtract, square, scale, exp ≈ 4 flops + sum = 5).
    const q = wordTokens(buildRequest(0).query).length;
    const p = Math.min(WORDS, 512 - q);
    const flopsPerPair = q * p * DIMENSION * 2 + q * p * KERNEL_MUS.length * 5;
    const { peakFlops, executionProvider } = await measurePeakFlops();
    const best = Math.max(...results.filter((r) => r.client === "batched").map((r) => r.pairsPerSec as number));
    const limit = {
      flopsPerPair,
      peakFlops,
      peakMethod: `onnxruntime MatMul ${PEAK_N}×${PEAK_N}×${PEAK_N} float32 on ${executionProvider}, ${env.RERANKER_THREADS || "default"} intra-op threads (best of 10)`,
      efficiency: (best * flopsPerPair) / peakFlops,
    };
    console.log(`\nreranker ${model}, ${CANDIDATES} candidates × ~${WORDS} words, query ${q} words`);
    console.log("| client | concurrency | P50 ms | P95 ms | P99 ms | pairs/s |\n|---|---|---|---|---|---|");
    for (const r of results) {
      const f = (x: unknown) => (x as number).toFixed(1);
      console.log(`| ${r.client} | ${r.concurrency} | ${f(r.p50Ms)} | ${f(r.p95Ms)} | ${f(r.p99Ms)} | ${(r.pairsPerSec as number).toFixed(0)} |`);
    }
    console.log(
      `\nlimit: ${(flopsPerPair / 1e6).toFixed(2)} MFLOP/pair, peak ${(peakFlops / 1e9).toFixed(2)} GFLOP/s (${limit.peakMethod}), best batched efficiency ${(limit.efficiency * 100).toFixed(1)}%`,
    );
    const out = values.out ?? `.bench/rerank-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(out, `${JSON.stringify({ results, limit }, null, 2)}\n`);
    console.log(`bench: wrote ${out}`);
  } finally {
    await stopWorker?.();
  }
}

main().catch((e) => {
  console.error(`bench: ${(e as Error).message}`);
  process.exit(1);
});
