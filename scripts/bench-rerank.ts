// npm run bench:rerank -- [--out file.json] [--models starter,bert] [--concurrency 1,4,16,64] [--n 40]
//   [--bert-shape tinybert-l2|minilm-l6] [--bert-concurrency 1,4,16] [--bert-n 8] [--passages repeated|unique]
//   [--reps 1] [--url http://127.0.0.1:3001]
// 45 candidates of ~400 tokens per request, at each concurrency:
// - starter (KNRM): through the batching worker over HTTP ("batched", a worker process started here on a
//   free port unless --url) and through a "naive" in-process client running one pair per session call;
// - bert: a BERT-architecture cross-encoder fixture (random weights, real WordPiece tokenizer.json, the
//   shape of a published ms-marco cross-encoder) served by the same worker (RERANKER_MODEL_DIR), and the
//   same ONNX file through transformers.js's text-classification pipeline, in-process.
// Prints a table and writes JSON { results: [{ client, model, concurrency, candidates, p50Ms, p95Ms,
// p99Ms, pairsPerSec }], limit, limits, workload }: limit is the first model's FLOPs per pair against
// this machine's measured peak; limits has one per model.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { env } from "@/lib/env";
import { progressBar } from "@/lib/eval/progress";
import { percentile } from "@/lib/eval/metrics";
import { loadHfTokenizer } from "@/lib/models/hf/tokenizer";
import { writeBertFixture } from "@/lib/models/hf/testing/bert-fixture";
import { loadStarterReranker } from "@/lib/models/starter";
import { GraphBuilder } from "@/lib/models/onnx/graph";
import { openSession, ort } from "@/lib/models/onnx/session";
import { encodePassage, packRows, requestRows, tokeniseRequest } from "@/lib/models/starter/rerank-inputs";
import { DIMENSION, KERNEL_MUS } from "@/lib/models/starter/spec";
import { Vocabulary } from "@/lib/models/starter/vocabulary";
import type { RerankRequest } from "@/lib/models/types";
import { createRerankClient } from "@/lib/rerank/client";
import { freePort } from "@/lib/net/free-port";

const CANDIDATES = 45;
const WORDS = 400;
// Whole words in both vocabularies (the starter's GloVe words and the fixture's WordPiece vocabulary),
// so a 400-word passage is ~400 tokens for every model.
const VOCAB =
  "the protein cell gene cancer patients study treatment risk effect disease blood human virus health clinical water energy system power light heat earth space river mountain city world people data learning network language retrieval search model document query passage result score answer question".split(
    " ",
  );
/** Requests in the "repeated" workload, re-sent in turn: 48 × 45 = 2160 distinct passages. */
const REPEATED_REQUESTS = 48;

/** Shapes of published ms-marco cross-encoders (BertForSequenceClassification, one logit). */
const BERT_SHAPES = {
  "tinybert-l2": {
    layers: 2,
    hidden: 128,
    heads: 2,
    intermediate: 512,
    like: "cross-encoder/ms-marco-TinyBERT-L-2-v2",
  },
  "minilm-l6": { layers: 6, hidden: 384, heads: 12, intermediate: 1536, like: "cross-encoder/ms-marco-MiniLM-L-6-v2" },
} as const;
type BertShape = keyof typeof BERT_SHAPES;

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

/** The next request to send, and the distinct requests a "repeated" workload cycles through. */
type Source = (() => RerankRequest) & { distinct: readonly RerankRequest[] };

/**
 * "repeated": a fixed set of requests sent again and again (the same chunks come back query after query,
 * so the worker's passage cache answers); "unique": every request's passages are new (cache always misses).
 */
function requestSource(passages: "repeated" | "unique"): Source {
  if (passages === "unique") {
    let next = REPEATED_REQUESTS;
    return Object.assign(() => buildRequest(next++), { distinct: [] });
  }
  // Built before timing: generating 45 × 400 words is the load generator's work, not latency.
  const built = Array.from({ length: REPEATED_REQUESTS }, (_, i) => buildRequest(i));
  let next = 0;
  return Object.assign(() => built[next++ % built.length], { distinct: built });
}

interface Level {
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  pairsPerSec: number;
  /**
   * CPU time per pair of the processes doing the work (Linux): this one (the client; the naive client's
   * model too) and, for the worker's clients, the worker. Less sensitive than throughput to other jobs
   * on a shared machine, since time waiting for a core does not count.
   */
  cpuUsPerPair: number | null;
  /** The part of cpuUsPerPair spent by the worker process (its clients only; null otherwise). */
  workerCpuUsPerPair: number | null;
}

/** Seconds of CPU a process has used, all its threads (Linux /proc); null elsewhere. */
function cpuSeconds(pid: number | undefined): number | null {
  try {
    if (pid === undefined) {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1e6;
    }
    // Fields after "(comm) ": state is [0], utime [11] and stime [12], in clock ticks (100 a second).
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return null;
  }
}

/** CPU seconds of this process and of `pid` (0 without one), or null when a figure is missing. */
function cpuNow(pid: number | undefined): { own: number; other: number } | null {
  const own = cpuSeconds(undefined);
  const other = pid === undefined ? 0 : cpuSeconds(pid);
  return own === null || other === null ? null : { own, other };
}

type Run = {
  times: number[];
  pairs: number;
  seconds: number;
  cpuSeconds: number | null;
  /** Of cpuSeconds, the worker's (null without a worker). */
  workerCpuSeconds: number | null;
};

/** `total` calls, `concurrency` at a time; latency per call, throughput over the whole run. */
async function load(
  concurrency: number,
  total: number,
  next: () => RerankRequest,
  call: (r: RerankRequest) => Promise<void>,
  tick: () => void,
  pid?: number,
): Promise<Run> {
  // Requests are taken before the clock starts for "unique" too: building one is not the client's work.
  const requests = Array.from({ length: total }, next);
  const times: number[] = [];
  let at = 0;
  const started = performance.now();
  const cpu0 = cpuNow(pid);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (at < total) {
        const r = requests[at++];
        const t0 = performance.now();
        await call(r);
        times.push(performance.now() - t0);
        tick();
      }
    }),
  );
  const cpu1 = cpuNow(pid);
  const both = cpu0 !== null && cpu1 !== null;
  return {
    times,
    pairs: total * CANDIDATES,
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: both ? cpu1.own + cpu1.other - cpu0.own - cpu0.other : null,
    workerCpuSeconds: both && pid !== undefined ? cpu1.other - cpu0.other : null,
  };
}

/** Latencies pooled over repetitions; throughput = all pairs / all seconds. */
function summarise(runs: Run[]): Level {
  const times = runs.flatMap((r) => r.times);
  const pairs = runs.reduce((n, r) => n + r.pairs, 0);
  const seconds = runs.reduce((n, r) => n + r.seconds, 0);
  const cpu = runs.every((r) => r.cpuSeconds !== null) ? runs.reduce((n, r) => n + r.cpuSeconds!, 0) : null;
  const worker = runs.every((r) => r.workerCpuSeconds !== null)
    ? runs.reduce((n, r) => n + r.workerCpuSeconds!, 0)
    : null;
  return {
    p50Ms: percentile(times, 50),
    p95Ms: percentile(times, 95),
    p99Ms: percentile(times, 99),
    pairsPerSec: pairs / seconds,
    cpuUsPerPair: cpu === null ? null : (cpu / pairs) * 1e6,
    workerCpuUsPerPair: worker === null ? null : (worker / pairs) * 1e6,
  };
}

const PEAK_N = 1024;

/**
 * The machine's practical float32 peak as the worker's runtime reaches it: an onnxruntime MatMul of
 * two 1024×1024 float32 matrices (2·n³ flops) on the worker's execution provider and thread count,
 * best of several runs after a warm-up.
 */
async function measurePeakFlops(provider: string): Promise<{ peakFlops: number; peakMethod: string }> {
  const g = new GraphBuilder("peak_matmul");
  const a = g.input({ name: "a", type: "FLOAT", shape: [PEAK_N, PEAK_N] });
  const b = g.input({ name: "b", type: "FLOAT", shape: [PEAK_N, PEAK_N] });
  g.output({ name: "c", type: "FLOAT", shape: [PEAK_N, PEAK_N] }, g.op("MatMul", [a, b]));
  const { session, executionProvider } = await openSession(g.encode(), [provider], env.RERANKER_THREADS || undefined);
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
  return {
    peakFlops: (2 * PEAK_N ** 3) / best,
    peakMethod: `onnxruntime MatMul ${PEAK_N}×${PEAK_N}×${PEAK_N} float32 on ${executionProvider}, ${env.RERANKER_THREADS || "default"} intra-op threads (best of 10)`,
  };
}

/** A worker process on a free port (its own environment on top of ours); resolves once it is ready. */
async function startWorker(
  extraEnv: Record<string, string>,
): Promise<{ url: string; pid?: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ["--import", "tsx", "worker/index.ts"], {
    env: { ...process.env, ...extraEnv, WORKER_PORT: String(port), WORKER_HOST: "127.0.0.1" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const stop = async () => {
    if (child.exitCode === null) child.kill("SIGTERM");
    await exited;
  };
  for (let i = 0; i < 1200; i++) {
    if (child.exitCode !== null) break;
    if (
      await fetch(`${url}/health/ready`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { url, pid: child.pid, stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(
    `the worker did not become ready (${Object.entries(extraEnv)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ")}):\n${stderr}`,
  );
}

interface Health {
  model: { id: string; version: string };
  executionProvider: string;
}

async function health(url: string): Promise<Health> {
  const auth: Record<string, string> = env.WORKER_TOKEN ? { authorization: `Bearer ${env.WORKER_TOKEN}` } : {};
  return (await (await fetch(`${url}/health`, { headers: auth })).json()) as Health;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

type Row = Level & {
  client: "batched" | "naive" | "transformers.js";
  model: string;
  concurrency: number;
  candidates: number;
};
/** `pid`: a process besides this one whose CPU time the client's work takes (the worker). */
type Client = { name: Row["client"]; call: (r: RerankRequest) => Promise<void>; pid?: number };

/** Each client at each concurrency, `reps` times over, clients alternating so drift hits them alike. */
async function measure(opts: {
  label: string;
  model: string;
  clients: Client[];
  concurrency: number[];
  perLevel: (concurrency: number, client: Client["name"]) => number;
  reps: number;
  next: Source;
}): Promise<Row[]> {
  const { clients, concurrency, perLevel, reps, next } = opts;
  const total =
    clients.length * next.distinct.length +
    reps * concurrency.reduce((n, c) => n + clients.reduce((m, cl) => m + c + perLevel(c, cl.name), 0), 0);
  const bar = progressBar(`${opts.label}: requests`, total);
  const runs = new Map<string, Run[]>();
  // "repeated": each client sees every distinct request once before timing, so its rows are the steady
  // state they name (passages seen before: the worker's cache and the naive client's own both answer),
  // not a mix of first sightings and repeats.
  for (const client of clients) {
    let k = 0;
    await load(4, next.distinct.length, () => next.distinct[k++], client.call, () => bar.tick());
  }
  for (let rep = 0; rep < reps; rep++) {
    for (const c of concurrency) {
      for (const client of clients) {
        await load(c, c, next, client.call, () => bar.tick()); // warm: connections, buffers, caches
        const run = await load(c, perLevel(c, client.name), next, client.call, () => bar.tick(), client.pid);
        const key = `${client.name}\t${c}`;
        runs.set(key, [...(runs.get(key) ?? []), run]);
      }
    }
  }
  bar.done();
  return concurrency.flatMap((c) =>
    clients.map((client) => ({
      client: client.name,
      model: opts.model,
      concurrency: c,
      candidates: CANDIDATES,
      ...summarise(runs.get(`${client.name}\t${c}`)!),
    })),
  );
}

function workerClient(url: string, pid?: number): Client {
  const client = createRerankClient({ url, deadlineMs: 600_000, token: env.WORKER_TOKEN });
  return {
    name: "batched",
    pid,
    call: async (r) => {
      const o = await client.rerank(r);
      if (!o.ok) throw new Error(o.reason);
    },
  };
}

interface Limit {
  model: string;
  /** The starter: FLOPs per pair when each pair is its own call (no words shared). */
  flopsPerPairAlone?: number;
  batchingCeiling?: { batchedPairMs: number; singlePairMs: number; ratio: number };
  flopsPerPair: number;
  flopsMethod: string;
  peakFlops: number;
  peakMethod: string;
  /** Best batched throughput × FLOPs per pair / peak. */
  efficiency: number;
}

async function benchStarter(args: {
  url?: string;
  concurrency: number[];
  perLevel: number;
  reps: number;
  next: Source;
}): Promise<{ rows: Row[]; limit: Omit<Limit, "peakFlops" | "peakMethod" | "efficiency">; provider: string }> {
  const worker = args.url ? null : await startWorker({ RERANKER_MODEL_DIR: "" });
  try {
    const url = args.url ?? worker!.url;
    const h = await health(url);
    const model = `${h.model.id}@${h.model.version}`;
    const starter = await loadStarterReranker(env.MODELS_DIR, {
      executionProviders: [h.executionProvider],
      threads: env.RERANKER_THREADS || undefined,
    });
    await starter.warmUp();
    // Naive: one pair per session call, in-process (no HTTP), requests interleaved on the event loop.
    const naive: Client = {
      name: "naive",
      call: async (r) => {
        for (const c of r.candidates) await starter.rerank({ query: r.query, candidates: [c] });
      },
    };
    const rows = await measure({
      label: "starter",
      model,
      clients: [workerClient(url, worker?.pid), naive],
      concurrency: args.concurrency,
      // The naive client is slow at high concurrency: fewer requests, still at least two rounds.
      perLevel: (c, client) =>
        client === "naive" ? Math.max(8, Math.min(args.perLevel, c * 2)) : Math.max(args.perLevel, c * 3),
      reps: args.reps,
      next: args.next,
    });
    const ceiling = await batchingCeiling(starter, args.next);
    return {
      rows,
      provider: h.executionProvider,
      limit: { model, ...starterFlops(args.next()), batchingCeiling: ceiling },
    };
  } finally {
    await worker?.stop();
  }
}

/**
 * The starter graph's work per pair for one request, as it runs (build.ts): per request, the cosines of
 * q query words × V distinct words of its passages (2·q·V·${DIMENSION}, multiply-add = 2 flops) and their
 * 11 RBF kernels (subtract, square, scale, exp ≈ 4 flops + sum = 5 each), shared by its pairs; per pair,
 * the count-weighted sum of its d distinct words' kernel rows (2·d·q·11). One pair per call (the naive
 * client) computes its own V = d.
 */
function starterFlops(request: RerankRequest) {
  const vocab = new Vocabulary(VOCAB);
  const t = tokeniseRequest(request, (text) => encodePassage(text, vocab));
  const x = packRows(requestRows(request, t), vocab, 1);
  const k = KERNEL_MUS.length;
  const q = t.query.length;
  const V = x.groupWords;
  const d = t.passages.reduce((n, p) => n + p.words.ids.length, 0) / t.passages.length;
  const tokens = t.passages.reduce((n, p) => n + p.ids.length, 0) / t.passages.length;
  const shared = q * V * (2 * DIMENSION + 5 * k);
  // Best matches (format 3): max over the passage's words and over each padded segment's, IDF-weighted sums.
  const match = 2 * d * q + x.segments * x.segmentLength * q + 2 * q * (x.segments + 1);
  const own = 2 * d * q * k + match;
  return {
    flopsPerPair: shared / x.pairs + own,
    flopsPerPairAlone: q * d * (2 * DIMENSION + 5 * k) + own,
    flopsMethod: `KNRM over distinct words: query ${q} words, ${x.pairs} passages of ${tokens.toFixed(0)} tokens, ${d.toFixed(1)} distinct words each, ${V} in all; per request cosines 2·q·V·${DIMENSION} + ${k} kernels 5·q·V, per pair pooling 2·d·q·${k} and best matches 2·d·q + s·l·q + 2·q·(s+1) over ${x.segments} segments of ${x.segmentLength} words; flopsPerPairAlone: one pair per call (V = d)`,
  };
}

/**
 * What batching can gain at most, from the model alone (in-process, no HTTP, one request at a time):
 * milliseconds per pair when a request's 45 pairs go in one session call, and when each pair is its own
 * call. Their ratio bounds batched / naive throughput: the fixed cost of a call is all batching saves.
 */
async function batchingCeiling(starter: Awaited<ReturnType<typeof loadStarterReranker>>, next: () => RerankRequest) {
  const oneCall: number[] = [];
  const perPair: number[] = [];
  for (let rep = 0; rep < 12; rep++) {
    const r = next();
    let t0 = performance.now();
    await starter.rerankMany([starter.prepare(r)]);
    oneCall.push((performance.now() - t0) / CANDIDATES);
    t0 = performance.now();
    for (const c of r.candidates) await starter.rerank({ query: r.query, candidates: [c] });
    perPair.push((performance.now() - t0) / CANDIDATES);
  }
  const batchedPairMs = percentile(oneCall, 50);
  const singlePairMs = percentile(perPair, 50);
  return { batchedPairMs, singlePairMs, ratio: singlePairMs / batchedPairMs };
}

/**
 * Matmul FLOPs of one BERT pair of `L` tokens (multiply-add = 2): per layer Q, K, V and output
 * projections 8·L·H², attention scores and context 4·L²·H, feed-forward 4·L·H·I; plus pooler and
 * classifier. Softmax, GELU and LayerNorm are elementwise and left out (under 2 % at this size).
 */
function bertFlops(L: number, s: (typeof BERT_SHAPES)[BertShape]): number {
  const { layers, hidden: H, intermediate: I } = s;
  return layers * (8 * L * H * H + 4 * L * L * H + 4 * L * H * I) + 2 * H * H + 2 * H;
}

async function benchBert(args: {
  shape: BertShape;
  concurrency: number[];
  perLevel: number;
  reps: number;
  next: Source;
}): Promise<{ rows: Row[]; limit: Omit<Limit, "peakFlops" | "peakMethod" | "efficiency"> }> {
  const shape = BERT_SHAPES[args.shape];
  const root = await mkdtemp(path.join(os.tmpdir(), "ranklens-bench-bert-"));
  const name = `bert-${args.shape}`;
  const dir = path.join(root, name);
  await writeBertFixture(dir, {
    kind: "cross-encoder",
    layers: shape.layers,
    hidden: shape.hidden,
    heads: shape.heads,
    intermediate: shape.intermediate,
    maxPositions: 512,
    manifest: { id: `ranklens-bench/${name}`, revision: "random-weights", maxLength: 512 },
  });
  const worker = await startWorker({ RERANKER_MODEL_DIR: dir });
  try {
    const h = await health(worker.url);
    if (h.model.id !== `ranklens-bench/${name}`) {
      throw new Error(`the worker serves ${h.model.id}, not the fixture: does it read RERANKER_MODEL_DIR?`);
    }
    const model = `${h.model.id}@${h.model.version}`;
    // transformers.js reads the same folder (onnx/model.onnx, config.json, tokenizer.json, tokenizer_config.json).
    const transformers = await import("@huggingface/transformers");
    transformers.env.allowRemoteModels = false;
    transformers.env.localModelPath = `${root}/`;
    const threads = env.RERANKER_THREADS || undefined;
    const classifier = await transformers.pipeline("text-classification", name, {
      dtype: "fp32",
      device: h.executionProvider === "cuda" ? "cuda" : "cpu",
      ...(threads ? { session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 } } : {}),
    });
    // The pipeline's own call takes single texts; a cross-encoder needs pairs, so this is its _call with
    // text_pair: the pipeline's tokenizer (padding, truncation to model_max_length) and model, one call
    // for the request's 45 pairs, scores = sigmoid(logit) as our worker returns them.
    const tjs: Client = {
      name: "transformers.js",
      call: async (r) => {
        const inputs = classifier.tokenizer(
          r.candidates.map(() => r.query),
          { text_pair: r.candidates.map((c) => c.text), padding: true, truncation: true },
        );
        const { logits } = (await classifier.model(inputs)) as { logits: { data: Float32Array } };
        if (Array.from(logits.data, sigmoid).length !== r.candidates.length)
          throw new Error("transformers.js: wrong logit count");
      },
    };
    const rows = await measure({
      label: name,
      model,
      clients: [workerClient(worker.url, worker.pid), tjs],
      concurrency: args.concurrency,
      perLevel: (c) => Math.max(args.perLevel, c * 2),
      reps: args.reps,
      next: args.next,
    });
    await classifier.dispose();
    const sample = buildRequest(0);
    const L = (await loadHfTokenizer(dir)).encodePair(sample.query, sample.candidates[0].text, 512).ids.length;
    return {
      rows,
      limit: {
        model,
        flopsPerPair: bertFlops(L, shape),
        flopsMethod: `BERT ${shape.layers} layers, hidden ${shape.hidden}, ${shape.heads} heads, intermediate ${shape.intermediate} (the shape of ${shape.like}), ${L} tokens: matmuls per layer 8·L·H² + 4·L²·H + 4·L·H·I`,
      },
    };
  } finally {
    await worker.stop();
    await rm(root, { recursive: true, force: true });
  }
}

const list = (v: string) =>
  v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
const ints = (v: string, flag: string) =>
  list(v).map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: "${s}" is not a positive integer`);
    return n;
  });

async function main() {
  const { values } = parseArgs({
    options: {
      url: { type: "string" },
      out: { type: "string" },
      n: { type: "string", default: "40" },
      models: { type: "string", default: "starter,bert" },
      concurrency: { type: "string", default: "1,4,16,64" },
      "bert-shape": { type: "string", default: "tinybert-l2" },
      "bert-concurrency": { type: "string", default: "1,4,16" },
      "bert-n": { type: "string", default: "8" },
      passages: { type: "string", default: "repeated" },
      reps: { type: "string", default: "1" },
    },
  });
  const models = list(values.models);
  const unknown = models.filter((m) => m !== "starter" && m !== "bert");
  if (unknown.length || !models.length)
    throw new Error(`--models: one or both of starter, bert (got ${values.models})`);
  const shape = values["bert-shape"] as BertShape;
  if (!(shape in BERT_SHAPES)) throw new Error(`--bert-shape: one of ${Object.keys(BERT_SHAPES).join(", ")}`);
  if (values.passages !== "repeated" && values.passages !== "unique") throw new Error("--passages: repeated or unique");
  const [perLevel] = ints(values.n, "--n");
  const [bertPerLevel] = ints(values["bert-n"], "--bert-n");
  const [reps] = ints(values.reps, "--reps");
  const next = requestSource(values.passages);

  const rows: Row[] = [];
  const limits: Omit<Limit, "peakFlops" | "peakMethod" | "efficiency">[] = [];
  let provider = "cpu";
  if (models.includes("starter")) {
    const s = await benchStarter({
      url: values.url,
      concurrency: ints(values.concurrency, "--concurrency"),
      perLevel,
      reps,
      next,
    });
    rows.push(...s.rows);
    limits.push(s.limit);
    provider = s.provider;
  }
  if (models.includes("bert")) {
    const b = await benchBert({
      shape,
      concurrency: ints(values["bert-concurrency"], "--bert-concurrency"),
      perLevel: bertPerLevel,
      reps,
      next,
    });
    rows.push(...b.rows);
    limits.push(b.limit);
  }
  const { peakFlops, peakMethod } = await measurePeakFlops(provider);
  const withPeak: Limit[] = limits.map((l) => {
    const best = Math.max(
      ...rows.filter((r) => r.model === l.model && r.client === "batched").map((r) => r.pairsPerSec),
    );
    return { ...l, peakFlops, peakMethod, efficiency: (best * l.flopsPerPair) / peakFlops };
  });
  const workload = {
    candidates: CANDIDATES,
    passageWords: WORDS,
    queryWords: 8,
    passages: values.passages,
    reps,
    cpus: os.cpus().length,
    loadAverage: os.loadavg(),
    bertShape: shape,
  };

  const f = (x: number) => x.toFixed(1);
  console.log(
    `\n${CANDIDATES} candidates × ~${WORDS} tokens, ${values.passages} passages, ${reps} rep(s), load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs`,
  );
  console.log(
    "| client | model | concurrency | P50 ms | P95 ms | P99 ms | pairs/s | CPU µs/pair | of which worker |\n|---|---|---|---|---|---|---|---|---|",
  );
  for (const r of rows) {
    console.log(
      `| ${r.client} | ${r.model.split("@")[0].split("/").pop()} | ${r.concurrency} | ${f(r.p50Ms)} | ${f(r.p95Ms)} | ${f(r.p99Ms)} | ${r.pairsPerSec.toFixed(0)} | ${r.cpuUsPerPair?.toFixed(0) ?? "–"} | ${r.workerCpuUsPerPair?.toFixed(0) ?? "–"} |`,
    );
  }
  for (const c of [16]) {
    const get = (client: string) =>
      rows.find((r) => r.client === client && r.concurrency === c && r.model === limits[0]?.model);
    const [b, n] = [get("batched"), get("naive")];
    if (b && n) {
      const cpu =
        b.cpuUsPerPair && n.cpuUsPerPair
          ? `; CPU per pair, naive / batched: ${(n.cpuUsPerPair / b.cpuUsPerPair).toFixed(2)}×`
          : "";
      console.log(`\nbatched / naive at concurrency ${c}: ${(b.pairsPerSec / n.pairsPerSec).toFixed(2)}×${cpu}`);
    }
  }
  console.log(`peak ${(peakFlops / 1e9).toFixed(1)} GFLOP/s (${peakMethod})`);
  for (const l of withPeak) {
    console.log(
      `${l.model}: ${(l.flopsPerPair / 1e6).toFixed(2)} MFLOP/pair, best batched efficiency ${(l.efficiency * 100).toFixed(1)}%`,
    );
    const c = l.batchingCeiling;
    if (c) {
      console.log(
        `  model alone: ${(c.batchedPairMs * 1000).toFixed(0)} µs/pair in one call of ${CANDIDATES}, ${(c.singlePairMs * 1000).toFixed(0)} µs/pair one per call: batching gains at most ${c.ratio.toFixed(2)}×`,
      );
    }
  }
  const out = values.out ?? `.bench/rerank-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(
    out,
    `${JSON.stringify({ results: rows, limit: withPeak[0], limits: withPeak, workload }, null, 2)}\n`,
  );
  console.log(`bench: wrote ${out}`);
}

main().catch((e) => {
  console.error(`bench: ${(e as Error).message}`);
  process.exit(1);
});
