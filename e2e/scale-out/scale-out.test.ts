// Scale-out, for real on one machine: two app instances (`next start`) and two reranker workers started by
// scripts/scale-out.sh on one PostgreSQL (TEST_DATABASE_URL, reset first), signed-in mode, a worker token.
// (a) Uploads sent to both instances are ingested once each, split between the instances' runners: every
//     instance logs `[ingest] <name> (<id>): ready, <n> chunks` per job it finished, and each document's
//     line appears once in all the logs together, with the chunk count the database holds.
// (b) Chat keeps answering, reranked, after one worker is killed with SIGKILL: the rerank client retries a
//     refused connection on the next worker (lib/rerank/client.ts), so the survivor reranks every answer.
// Run by `bash scripts/test.sh scale-out` (it provides the database and the build).
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  asUser,
  chat,
  createApiKey,
  signIn,
  startScaleOut,
  uploadText,
  type ScaleOut,
} from "@/scripts/scale-out-client";

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? "";
const PORT = Number(process.env.SCALE_OUT_PORT ?? 3330);
const WORKER_PORT = Number(process.env.SCALE_OUT_WORKER_PORT ?? 3335);
const DIR = process.env.SCALE_OUT_DIR || mkdtempSync(path.join(os.tmpdir(), "ranklens-scale-out-"));
const ADMIN = { email: "admin@scale-out.test", password: `scale-out-${Math.random().toString(36).slice(2)}` };
const WORKER_TOKEN = `token-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
const DOCUMENTS = 16;

// Made-up topics, one per document, so each question matches one document clearly.
const TOPICS =
  "amber basalt cobalt dune ember fjord garnet heron iris jade kelp lagoon marble nectar opal quartz".split(" ");
const WORDS = (
  "the river valley holds ancient stone bridges built by farmers who traded grain wool and salt along the coast " +
  "while winter storms shaped the cliffs and summer brought fishing boats back to the harbour towns each year"
).split(" ");

/** ~60 KB of sentences about one topic: several chunks, several documents per batch claim. */
function documentText(topic: string, seed: number): string {
  let x = seed + 1;
  const sentences: string[] = [];
  for (let s = 0; s < 700; s++) {
    const words = [`${topic}`, "society"];
    for (let w = 0; w < 12; w++) {
      x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
      words.push(WORDS[x % WORDS.length]);
    }
    sentences.push(`${words.join(" ")}.`);
  }
  return `The ${topic} society\n\n${sentences.join(" ")}\n`;
}

let cluster: ScaleOut;
let key: string;

async function rerankCount(worker: string): Promise<number> {
  const res = await fetch(`${worker}/metrics`, { headers: { authorization: `Bearer ${WORKER_TOKEN}` } });
  expect(res.status, `GET ${worker}/metrics`).toBe(200);
  const m = /^reranker_http_requests_total\{route="\/rerank",status="200"\} (\d+)/m.exec(await res.text());
  return m ? Number(m[1]) : 0;
}

beforeAll(async () => {
  expect(DATABASE_URL, "TEST_DATABASE_URL must name a PostgreSQL with pgvector").not.toBe("");
  // A fresh database: the first start creates the admin, and the counts below are this run's alone.
  const sql = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
  await sql.unsafe("DROP SCHEMA IF EXISTS drizzle CASCADE; DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
  await sql.end();
  cluster = await startScaleOut({
    apps: 2,
    workers: 2,
    port: PORT,
    workerPort: WORKER_PORT,
    dir: DIR,
    env: {
      DATABASE_URL,
      AUTH_MODE: "accounts",
      // The public origin: behind a load balancer every instance has the same one.
      APP_URL: `http://127.0.0.1:${PORT}`,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      WORKER_TOKEN,
      // The deadline is not under test; a loaded machine must not turn answers into fail-opens.
      RERANK_DEADLINE_MS: "10000",
    },
  });
}, 300_000);

afterAll(async () => {
  await cluster?.stop();
});

describe("two app instances and two workers on one PostgreSQL", () => {
  it("shares sessions: signed in through one instance, the cookie works on the other", async () => {
    const [app1, app2] = cluster.apps;
    const origin = app1;
    const session = { cookie: await signIn(app2, origin, ADMIN.email, ADMIN.password), origin };
    const me = await asUser<{ email?: string; user?: { email: string } }>(app1, session, "GET", "/api/me");
    expect(me.status, JSON.stringify(me.json)).toBe(200);
    expect(JSON.stringify(me.json)).toContain(ADMIN.email);
    key = await createApiKey(app1, session, "write");
    expect(key).toMatch(/^rlk_/);
  });

  it("splits ingestion jobs between the instances, each document ingested exactly once", async () => {
    const names = TOPICS.slice(0, DOCUMENTS).map((t) => `${t}-society.txt`);
    // Uploads alternate between the instances, all at once, so both runners are woken with work queued.
    const ids = await Promise.all(
      names.map((name, i) => uploadText(cluster.apps[i % 2], key, name, documentText(TOPICS[i], i)).then((d) => d.id)),
    );
    expect(new Set(ids).size).toBe(DOCUMENTS);

    type Doc = { id: string; name: string; status: string; chunkCount: number; error?: string | null };
    let docs: Doc[] = [];
    for (let i = 0, until = Date.now() + 240_000; Date.now() < until; i++) {
      const list = await asUser<{ documents: Doc[] }>(cluster.apps[i % 2], { key }, "GET", "/api/documents");
      expect(list.status).toBe(200);
      docs = list.json.documents.filter((d) => ids.includes(d.id));
      if (docs.every((d) => d.status === "ready" || d.status === "failed")) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const statuses = docs.map((d) => `${d.name}: ${d.status}${d.error ? ` (${d.error})` : ""}`).sort();
    expect(statuses).toEqual(names.map((n) => `${n}: ready`).sort());

    // Who did what: each instance's log line per finished job (written just after the commit: a moment's wait).
    const finishedJobs = () => {
      const done = new Map<string, { app: number; chunks: number }[]>();
      for (const app of [1, 2]) {
        for (const m of cluster
          .log(`app-${app}`)
          .matchAll(/\[ingest\] .+ \(([0-9a-f-]{36})\): ready, (\d+) chunks?/g)) {
          done.set(m[1], [...(done.get(m[1]) ?? []), { app, chunks: Number(m[2]) }]);
        }
      }
      return done;
    };
    let done = finishedJobs();
    for (let i = 0; i < 20 && ids.some((id) => !done.has(id)); i++) {
      await new Promise((r) => setTimeout(r, 500));
      done = finishedJobs();
    }
    const perDocument = ids.map((id) => ({ id, finished: done.get(id)?.length ?? 0 }));
    expect(perDocument, "each document finished by exactly one instance, once").toEqual(
      ids.map((id) => ({ id, finished: 1 })),
    );
    const byApp = [1, 2].map((app) => ids.filter((id) => done.get(id)![0].app === app).length);
    expect(
      byApp.every((n) => n > 0),
      `jobs per instance: ${byApp.join(" / ")}`,
    ).toBe(true);

    // The database agrees: the logged chunk counts, positions 0..n-1 once each, no job left behind.
    const sql = postgres(DATABASE_URL, { max: 1 });
    try {
      const rows = await sql<{ id: string; n: number; distinct_positions: number; max_position: number }[]>`
        SELECT document_id AS id, count(*)::int AS n, count(DISTINCT position)::int AS distinct_positions,
               max(position)::int AS max_position
        FROM chunks WHERE document_id = ANY(${ids}::uuid[]) GROUP BY document_id`;
      const stored = new Map(rows.map((r) => [r.id, r]));
      for (const id of ids) {
        const logged = done.get(id)![0].chunks;
        const api = docs.find((d) => d.id === id)!.chunkCount;
        const row = stored.get(id);
        expect({ id, logged, api, stored: row?.n, distinct: row?.distinct_positions, last: row?.max_position }).toEqual(
          { id, logged, api: logged, stored: logged, distinct: logged, last: logged - 1 },
        );
      }
      const [{ left }] = await sql<{ left: number }[]>`SELECT count(*)::int AS left FROM ingest_jobs`;
      expect(left, "ingest jobs left in the queue").toBe(0);
    } finally {
      await sql.end();
    }
  });

  it("keeps answering, reranked by the survivor, after a worker is killed", async () => {
    const [w1, w2] = cluster.workers;
    const ask = async (i: number, topic: string) => {
      const answer = await chat(
        cluster.apps[i % 2],
        key,
        `What is recorded about the ${topic} society and its stone bridges?`,
      );
      expect(answer.status, answer.error).toBe(200);
      expect(answer.error).toBeUndefined();
      expect(answer.text.length, "an answer").toBeGreaterThan(0);
      return answer;
    };

    // Both workers serve: each instance's client rotates over them.
    const before = [await rerankCount(w1), await rerankCount(w2)];
    for (let i = 0; i < 4; i++) {
      const answer = await ask(i, TOPICS[i]);
      expect({ reranked: answer.reranked, reason: answer.rerankSkippedReason }).toEqual({
        reranked: true,
        reason: undefined,
      });
    }
    const after = [await rerankCount(w1), await rerankCount(w2)];
    expect(after[0] - before[0], "reranks served by worker 1").toBeGreaterThan(0);
    expect(after[1] - before[1], "reranks served by worker 2").toBeGreaterThan(0);

    await cluster.kill("worker-1");
    await expect(fetch(`${w1}/health/live`), "worker 1 is gone").rejects.toThrow();

    // New questions (no rerank cache hits): every one answered and reranked, by worker 2 alone.
    const asked = 8;
    const survivorBefore = await rerankCount(w2);
    const runIds: string[] = [];
    for (let i = 0; i < asked; i++) {
      const answer = await ask(i, TOPICS[4 + i]);
      expect({ i, reranked: answer.reranked, reason: answer.rerankSkippedReason }).toEqual({
        i,
        reranked: true,
        reason: undefined,
      });
      runIds.push(answer.runId!);
    }
    expect((await rerankCount(w2)) - survivorBefore, "reranks served by worker 2 after worker 1 died").toBe(asked);

    // The stored runs say the same (the inspect page reads these).
    for (const [i, id] of runIds.entries()) {
      const run = await asUser<{ reranked: boolean; rerankSkippedReason: string | null }>(
        cluster.apps[(i + 1) % 2],
        { key },
        "GET",
        `/api/runs/${id}`,
      );
      expect(run.status).toBe(200);
      expect({ reranked: run.json.reranked, reason: run.json.rerankSkippedReason }).toEqual({
        reranked: true,
        reason: null,
      });
    }
  });
});
