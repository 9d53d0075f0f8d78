// npm run bench:load -- --out <file.json> [--users 50] [--seconds 60] [--max-requests 100000] [--docs 300]
//   [--dataset ../shared/datasets/scifact] [--build-dir .next-bench]
//   [--url http://127.0.0.1:3000 --admin-email <email> --admin-password <password>] [--note <text>]
// Concurrent chat users through the public API, each signed in as a user of its own with its own API key (so
// per-user limits apply to each alone), closed loop (the next question as soon as the answer has ended),
// for --seconds or --max-requests, whichever comes first. Loopback only.
//
// By default it starts its own app + reranker worker (scripts/scale-out.sh, 1 + 1) on a temporary PGlite
// directory with the extractive answerer (no LLM), needing a build in --build-dir (made there when absent),
// and ingests the first --docs documents of the dataset's corpus; questions come from its queries. All the
// bench's users come from one loopback address, so that app runs with RATE_LIMIT_IP raised (to users × 1000
// a minute; per-user limits unchanged) and RATE_LIMIT_UPLOAD off for the admin's corpus upload. With --url
// it targets a running app instead, as the given admin: it adds the corpus, users, a workspace sharing the
// corpus, and removes what it added afterwards; that app's limits apply as configured.
//
// Per-stage latencies come from each answer's recorded run (GET /api/runs/:id timings), plus the client's
// time to the first answer text and to the end of the stream. Writes JSON { users, seconds, requests,
// errors, errorRate, stages: { <stage>: { p50Ms, p95Ms, p99Ms } }, … } and prints a table.
import { createReadStream, existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { spawn } from "node:child_process";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { parseArgs } from "node:util";
import { progressBar } from "@/lib/eval/progress";
import { percentile } from "@/lib/eval/metrics";
import { freePort } from "@/lib/net/free-port";
import { isLoopbackHost } from "@/lib/net/loopback";
import {
  asUser,
  chat,
  createApiKey,
  signIn,
  startScaleOut,
  uploadText,
  type ChatOutcome,
  type ScaleOut,
} from "./scale-out-client";

const { values: args } = parseArgs({
  options: {
    out: { type: "string" },
    users: { type: "string", default: "50" },
    seconds: { type: "string", default: "60" },
    "max-requests": { type: "string", default: "100000" },
    docs: { type: "string", default: "300" },
    dataset: { type: "string", default: "../shared/datasets/scifact" },
    "build-dir": { type: "string", default: ".next-bench" },
    url: { type: "string" },
    "admin-email": { type: "string" },
    "admin-password": { type: "string" },
    /** Free text kept in the JSON, e.g. what else the machine was doing. */
    note: { type: "string" },
  },
});

/** The run's recorded timings (lib/retrieval/search.ts Timings) under the stage names the JSON uses. */
const RUN_STAGES = {
  embed: "embedMs",
  bm25: "bm25Ms",
  dense: "denseMs",
  fusion: "fusionMs",
  rerankQueue: "rerankQueueMs",
  rerankCompute: "rerankComputeMs",
  rerank: "rerankMs",
  retrieval: "totalMs",
  generation: "generationMs",
} as const;

function fail(message: string): never {
  console.error(`bench:load: ${message}`);
  process.exit(2);
}

function positive(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) fail(`--${name} must be a positive integer (got ${value})`);
  return n;
}

const users = positive("users", args.users);
const seconds = positive("seconds", args.seconds);
const maxRequests = positive("max-requests", args["max-requests"]);
const docCount = positive("docs", args.docs);
if (!args.out) fail("--out <file.json> is required");
if (args.url) {
  let host: string;
  try {
    host = new URL(args.url).hostname;
  } catch {
    fail(`--url ${args.url} is not a URL`);
  }
  if (!isLoopbackHost(host)) fail(`--url must be a loopback address (127.0.0.0/8, ::1, localhost), not ${host}`);
  if (!args["admin-email"] || !args["admin-password"]) fail("--url needs --admin-email and --admin-password");
}

const random = () => Math.random().toString(36).slice(2, 10);
const stamp = `${Date.now().toString(36)}${random().slice(0, 4)}`;
const RATE_LIMIT_IP = users * 1000;

async function readJsonl<T>(file: string, limit: number): Promise<T[]> {
  if (!existsSync(file)) fail(`${file} not found (--dataset names a BEIR folder with corpus.jsonl and queries.jsonl)`);
  const rows: T[] = [];
  const lines = readline.createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    rows.push(JSON.parse(line) as T);
    if (rows.length >= limit) break;
  }
  lines.close();
  return rows;
}

/** Runs `fn` over `items`, `concurrency` at a time, ticking a progress bar. */
async function pool<T, R>(label: string, items: T[], concurrency: number, fn: (item: T, i: number) => Promise<R>) {
  const bar = progressBar(label, items.length);
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i);
        bar.tick();
      }
    }),
  );
  bar.done();
  return out;
}

function ensureBuild(dir: string): Promise<void> {
  if (existsSync(path.join(dir, "BUILD_ID"))) {
    console.log(`using the build in ${dir}`);
    return Promise.resolve();
  }
  console.log(`building the app into ${dir} (next build, a few minutes)…`);
  return new Promise((resolve, reject) => {
    const child = spawn("node_modules/.bin/next", ["build"], {
      env: { ...process.env, NEXT_DIST_DIR: dir, NEXT_TELEMETRY_DISABLED: "1" },
      stdio: ["ignore", "ignore", "inherit"],
    });
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`next build exited with ${code}`))));
  });
}

interface Target {
  app: string;
  admin: { email: string; password: string };
  cluster?: ScaleOut;
  tmp?: string;
}

async function ownApp(): Promise<Target> {
  const buildDir = args["build-dir"]!;
  await ensureBuild(buildDir);
  const tmp = await mkdtemp(path.join(os.tmpdir(), "ranklens-bench-load-"));
  const [port, workerPort] = [await freePort(), await freePort()];
  const admin = { email: "admin@bench.local", password: `bench-${random()}${random()}` };
  console.log(`starting an app + worker on 127.0.0.1:${port} (PGlite in ${tmp}, RATE_LIMIT_IP=${RATE_LIMIT_IP})…`);
  const cluster = await startScaleOut({
    apps: 1,
    workers: 1,
    port,
    workerPort,
    dir: path.join(tmp, "run"),
    env: {
      NEXT_DIST_DIR: buildDir,
      DATABASE_URL: "",
      PGLITE_DIR: path.join(tmp, "pglite"),
      AUTH_MODE: "accounts",
      APP_URL: `http://127.0.0.1:${port}`,
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
      WORKER_TOKEN: `${random()}${random()}${random()}`,
      // The extractive answerer: no LLM.
      LLM_BASE_URL: "",
      LLM_MODEL: "",
      // One loopback address for every user: the per-IP limit raised, per-user limits as they are.
      RATE_LIMIT_IP: String(RATE_LIMIT_IP),
      RATE_LIMIT_UPLOAD: "0",
    },
  });
  return { app: cluster.apps[0], admin, cluster, tmp };
}

type Doc = { id: string; status: string; chunkCount: number; error?: string | null; workspaceId: string | null };
type Created = {
  users: string[];
  documents: string[];
  shared: { id: string; workspaceId: string | null }[];
  workspace: string | null;
};

async function main() {
  const dataset = path.resolve(args.dataset!);
  const corpus = await readJsonl<{ _id: string; title?: string; text: string }>(
    path.join(dataset, "corpus.jsonl"),
    docCount,
  );
  const questions = (await readJsonl<{ text: string }>(path.join(dataset, "queries.jsonl"), 100_000)).map(
    (q) => q.text,
  );
  if (questions.length === 0) fail(`no queries in ${dataset}/queries.jsonl`);

  const target: Target = args.url
    ? { app: args.url.replace(/\/+$/, ""), admin: { email: args["admin-email"]!, password: args["admin-password"]! } }
    : await ownApp();
  const { app } = target;
  const created: Created = { users: [], documents: [], shared: [], workspace: null };
  try {
    const session = { cookie: await signIn(app, app, target.admin.email, target.admin.password), origin: app };
    const adminKey = await createApiKey(app, session, "write");

    // The corpus, shared read-only with a workspace all the bench users are in.
    const uploaded = await pool("upload", corpus, 8, async (d) => {
      const form = { name: `scifact-${d._id}.txt`, text: `${d.title ?? ""}\n\n${d.text}\n` };
      return uploadText(app, adminKey, form.name, form.text);
    });
    const docIds = [...new Set(uploaded.map((u) => u.id))];
    const ingest = progressBar("ingest", docIds.length);
    let docs: Doc[] = [];
    for (let ready = 0; ready < docIds.length;) {
      await new Promise((r) => setTimeout(r, 500));
      const list = await asUser<{ documents: Doc[] }>(app, { key: adminKey }, "GET", "/api/documents");
      docs = list.json.documents.filter((d) => docIds.includes(d.id));
      const settled = docs.filter((d) => d.status === "ready" || d.status === "failed").length;
      ingest.tick(settled - ready);
      ready = settled;
    }
    ingest.done();
    const failed = docs.filter((d) => d.status === "failed");
    if (failed.length > 0) console.warn(`${failed.length} documents failed to ingest: ${failed[0].error}`);
    const me = await asUser<{ user: { id: string } }>(app, session, "GET", "/api/me");
    const ws = await asUser<{ id: string }>(app, session, "POST", "/api/admin/workspaces", { name: `bench-${stamp}` });
    if (ws.status !== 201) throw new Error(`creating the workspace: HTTP ${ws.status} ${JSON.stringify(ws.json)}`);
    created.workspace = ws.json.id;
    const join = async (userId: string) => {
      const res = await asUser(app, session, "POST", `/api/admin/workspaces/${ws.json.id}/members`, { userId });
      if (res.status !== 204) throw new Error(`adding ${userId} to the workspace: HTTP ${res.status}`);
    };
    await join(me.json.user.id);
    // --url mode: the documents this run added are removed afterwards; ones that were there already
    // (same bytes) get their sharing back.
    created.documents = uploaded.filter((u) => !u.duplicate).map((u) => u.id);
    for (const d of docs) {
      if (uploaded.some((u) => u.id === d.id && u.duplicate))
        created.shared.push({ id: d.id, workspaceId: d.workspaceId });
    }
    await pool("share", docIds, 8, async (id) => {
      const res = await asUser(app, { key: adminKey }, "PATCH", `/api/documents/${id}`, { workspaceId: ws.json.id });
      if (res.status !== 200) throw new Error(`sharing ${id}: HTTP ${res.status} ${JSON.stringify(res.json)}`);
    });

    // One account and one API key per user (sign-in is limited to 20 a minute per address: this waits).
    const keys = await pool(
      "users",
      Array.from({ length: users }, (_, i) => i),
      4,
      async (i) => {
        const email = `bench-${stamp}-${i + 1}@bench.local`;
        const password = `bench-${random()}${random()}`;
        const res = await asUser<{ id: string }>(app, session, "POST", "/api/admin/users", {
          email,
          name: `Bench user ${i + 1}`,
          password,
        });
        if (res.status !== 201) throw new Error(`creating ${email}: HTTP ${res.status} ${JSON.stringify(res.json)}`);
        created.users.push(res.json.id);
        await join(res.json.id);
        const own = { cookie: await signIn(app, app, email, password), origin: app };
        return createApiKey(app, own, "read");
      },
    );

    // The load: every user asks, waits for the whole answer, asks again.
    console.log(`${users} users chatting for ${seconds} s (at most ${maxRequests} requests)…`);
    const loadBefore = os.loadavg();
    const results: { user: number; outcome: ChatOutcome }[] = [];
    let issued = 0;
    const started = performance.now();
    const deadline = started + seconds * 1000;
    const clock = progressBar("load (s)", seconds);
    const ticker = setInterval(() => clock.tick(), 1000);
    await Promise.all(
      keys.map(async (key, user) => {
        for (let q = user; performance.now() < deadline && issued < maxRequests; q += users) {
          issued++;
          const outcome = await chat(app, key, questions[q % questions.length]).catch(
            (error: unknown): ChatOutcome => ({ status: 0, error: String(error), text: "", totalMs: 0 }),
          );
          results.push({ user, outcome });
        }
      }),
    );
    clearInterval(ticker);
    clock.done();
    const wallSeconds = (performance.now() - started) / 1000;
    const loadAfter = os.loadavg();

    const isError = (o: ChatOutcome) => o.status !== 200 || o.error !== undefined || !o.runId;
    const ok = results.filter((r) => !isError(r.outcome));
    const errorsByReason: Record<string, number> = {};
    for (const r of results.filter((x) => isError(x.outcome))) {
      const reason = `HTTP ${r.outcome.status}: ${(r.outcome.error ?? "no run id").slice(0, 120)}`;
      errorsByReason[reason] = (errorsByReason[reason] ?? 0) + 1;
    }
    const failOpenReasons: Record<string, number> = {};
    for (const r of ok.filter((x) => !x.outcome.reranked)) {
      const reason = r.outcome.rerankSkippedReason ?? "unknown";
      failOpenReasons[reason] = (failOpenReasons[reason] ?? 0) + 1;
    }

    // The recorded timings of every answered run (after the clock stopped: not part of the load).
    const timings = await pool("timings", ok, 8, async ({ user, outcome }) => {
      const run = await asUser<{ timings: Record<string, number> }>(
        app,
        { key: keys[user] },
        "GET",
        `/api/runs/${outcome.runId}`,
      );
      if (run.status !== 200) throw new Error(`GET /api/runs/${outcome.runId}: HTTP ${run.status}`);
      return run.json.timings;
    });
    const summary = (xs: number[]) => ({
      p50Ms: round(percentile(xs, 50)),
      p95Ms: round(percentile(xs, 95)),
      p99Ms: round(percentile(xs, 99)),
    });
    const stages: Record<string, { p50Ms: number; p95Ms: number; p99Ms: number }> = {};
    for (const [stage, key] of Object.entries(RUN_STAGES)) {
      stages[stage] = summary(timings.map((t) => t[key]).filter((v): v is number => typeof v === "number"));
    }
    stages.firstText = summary(ok.map((r) => r.outcome.firstTextMs).filter((v): v is number => v !== undefined));
    stages.response = summary(ok.map((r) => r.outcome.totalMs));

    const errors = results.length - ok.length;
    const report = {
      users,
      seconds,
      requests: results.length,
      errors,
      errorRate: results.length ? errors / results.length : 0,
      stages,
      stageNotes: {
        retrieval: "the run's totalMs: query embedding through rerank, as recorded by the app",
        generation:
          "the run's generationMs: the answer after retrieval, as recorded by the app; the extractive answer " +
          "streams in paced word groups (12 ms apart), which this includes",
        firstText: "client: request sent → first answer text received",
        response: "client: request sent → answer stream ended",
      },
      wallSeconds: round(wallSeconds),
      requestsPerSecond: round(results.length / wallSeconds),
      maxRequests,
      reranked: ok.filter((r) => r.outcome.reranked).length,
      failOpen: { count: ok.length - ok.filter((r) => r.outcome.reranked).length, reasons: failOpenReasons },
      errorsByReason,
      target: args.url
        ? { url: args.url, note: "a running app, its limits as configured" }
        : {
            app: "own app + 1 reranker worker (scripts/scale-out.sh), PGlite, extractive answers",
            rateLimits: { RATE_LIMIT_IP, RATE_LIMIT_UPLOAD: 0, note: "per-user limits at their defaults" },
          },
      corpus: { dataset: path.basename(dataset), documents: docIds.length, chunks: sum(docs.map((d) => d.chunkCount)) },
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? "unknown",
        loadAverage1m: { before: round(loadBefore[0]), after: round(loadAfter[0]) },
      },
      ...(args.note ? { note: args.note } : {}),
      finishedAt: new Date().toISOString(),
    };
    await mkdir(path.dirname(path.resolve(args.out!)), { recursive: true });
    await writeFile(args.out!, `${JSON.stringify(report, null, 2)}\n`);
    printTable(report);
    console.log(`wrote ${args.out}`);
  } finally {
    if (target.cluster) {
      await target.cluster.stop();
      if (target.tmp) await rm(target.tmp, { recursive: true, force: true });
    } else {
      await cleanUp(app, target.admin, created);
    }
  }
}

/** --url mode: removes the users (their runs and keys go with them), the workspace and the corpus it added. */
async function cleanUp(app: string, admin: { email: string; password: string }, created: Created) {
  const session = { cookie: await signIn(app, app, admin.email, admin.password), origin: app };
  for (const id of created.users) await asUser(app, session, "DELETE", `/api/admin/users/${id}`);
  for (const { id, workspaceId } of created.shared) {
    await asUser(app, session, "PATCH", `/api/documents/${id}`, { workspaceId });
  }
  if (created.workspace) await asUser(app, session, "DELETE", `/api/admin/workspaces/${created.workspace}`);
  for (const id of created.documents) await asUser(app, session, "DELETE", `/api/documents/${id}`);
}

const round = (x: number) => Math.round(x * 10) / 10;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

function printTable(r: {
  users: number;
  requests: number;
  errors: number;
  errorRate: number;
  requestsPerSecond: number;
  failOpen: { count: number };
  stages: Record<string, { p50Ms: number; p95Ms: number; p99Ms: number }>;
}) {
  console.log(
    `\n${r.users} users: ${r.requests} requests (${r.requestsPerSecond}/s), ${r.errors} errors ` +
      `(${(r.errorRate * 100).toFixed(2)} %), ${r.failOpen.count} answered without the reranker\n`,
  );
  console.log(`${"stage".padEnd(14)} ${"p50 ms".padStart(9)} ${"p95 ms".padStart(9)} ${"p99 ms".padStart(9)}`);
  for (const [stage, s] of Object.entries(r.stages)) {
    console.log(`${stage.padEnd(14)} ${fmt(s.p50Ms)} ${fmt(s.p95Ms)} ${fmt(s.p99Ms)}`);
  }
}
const fmt = (x: number) => x.toFixed(1).padStart(9);

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench:load failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
