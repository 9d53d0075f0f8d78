import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { OpenedDb } from "@/db";

// Relevance labels, the golden set, its evaluation and alert, the BEIR export and the eval reports
// through the real route handlers on PGlite and PostgreSQL. Authentication itself is covered by
// app/api/security.int.test.ts; here a stub guard reads the user from a test header, so that two users
// (and a read-only key, and a non-admin) can be played without sign-in.

vi.mock("server-only", () => ({}));
const holder = vi.hoisted(() => ({
  opened: undefined as OpenedDb | undefined,
  /** The test reranker: "identity" keeps the fused order, "reverse" turns it round. */
  rerank: "identity" as "identity" | "reverse",
}));
vi.mock("@/db", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@/db")>();
  return { ...actual, getDb: async () => holder.opened!.db };
});
vi.mock("@/lib/auth/guard", async () => ({ guard: (await import("@/app/api/route-mocks.testing")).headerGuard }));
vi.mock("@/lib/retrieval/server", async () => {
  const { hashedBowEmbedder: embedder } = await import("@/lib/models/testing/hashed-embedder");
  const reranker = (await import("@/app/api/route-mocks.testing")).orderedReranker(() => holder.rerank);
  return { searchDependencies: async () => ({ db: holder.opened!.db, embedder, reranker }) };
});

const { env } = await import("@/lib/env");
const { openDb } = await import("@/db");
const { addReadyDocument, openFreshPostgres, testDatabaseUrl } = await import("@/db/testing");
const { deleteDocumentById } = await import("@/db/queries/documents");
const { queryRows } = await import("@/db/queries/sql");
const { searchDependencies } = await import("@/lib/retrieval/server");
const { sql } = await import("drizzle-orm");
const search = await import("../search/route");
const labels = await import("../runs/[id]/labels/route");
const golden = await import("./route");
const exportRoute = await import("./export/route");
const evaluate = await import("./evaluate/route");
const evaluations = await import("./evaluations/route");
const reports = await import("../eval/reports/route");
const report = await import("../eval/reports/[name]/route");

const ORIGIN = "http://127.0.0.1:3999";
const ALICE = "alice-user";
const BOB = "bob-user";

function req(
  path: string,
  { user, method = "GET", body, scope }: { user?: string; method?: string; body?: object; scope?: "read" } = {},
) {
  const headers = new Headers();
  if (user) headers.set("x-test-user", user);
  if (scope) headers.set("x-test-scope", scope);
  if (body) headers.set("content-type", "application/json");
  return new Request(`${ORIGIN}${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined });
}
const ctx = <T extends Record<string, string>>(params: T) => ({ params: Promise.resolve(params) });

const putLabel = (runId: string, body: object, user = ALICE, scope?: "read") =>
  labels.PUT(req(`/api/runs/${runId}/labels`, { user, method: "PUT", body, scope }), ctx({ id: runId }));
const getLabels = async (runId: string, user = ALICE) =>
  labels.GET(req(`/api/runs/${runId}/labels`, { user }), ctx({ id: runId }));
async function runQuery(query: string, user = ALICE) {
  const res = await search.POST(req("/api/search", { user, method: "POST", body: { query } }));
  expect(res.status).toBe(200);
  return (await res.json()) as { runId: string; results: { chunkId: number; fusedRank: number; documentId: string }[] };
}

/** Stores a ready document of Alice's, one chunk per passage. */
async function addDocument(name: string, passages: string[]): Promise<string> {
  const { embedder } = await searchDependencies();
  return addReadyDocument({ db: holder.opened!.db, name, passages, embedder, ownerId: ALICE });
}

// Six passages in two documents; every one is a candidate of every query (k = 45).
const DOCS: Record<string, string[]> = {
  "volcanoes.txt": [
    "Basalt lava flows from shield volcanoes in long fluid rivers.",
    "Basalt columns form when a thick lava flow cools slowly and cracks.",
    "Volcanic ash from explosive eruptions can travel thousands of kilometres.",
  ],
  "kitchen.txt": [
    "Sourdough bread rises with wild yeast and lactic bacteria.",
    "A cast iron pan holds heat for searing steaks.",
    "Basalt stones are sold as pizza stones for home ovens.",
  ],
};

/** nDCG@5 with gains 2^g − 1 and a log2(rank + 1) discount, written out for the fixtures below. */
const dcg = (gainsAtRanks: [gain: number, rank: number][]) =>
  gainsAtRanks.reduce((s, [g, r]) => s + (2 ** g - 1) / Math.log2(r + 1), 0);

const databases: [string, () => Promise<OpenedDb>][] = [
  ["PGlite", () => openDb({ memory: true })],
  ["PostgreSQL", () => openFreshPostgres(testDatabaseUrl())],
];

describe.each(databases)("labels and the golden set on %s", (_name, open) => {
  const saved = { ...env };
  const docIds: Record<string, string> = {};
  let reportsDir: string;

  beforeAll(async () => {
    // Every evaluation must call the (switchable) reranker, not reuse a cached ordering.
    Object.assign(env, { RERANK_CACHE_TTL_MS: 0 });
    holder.opened = undefined;
    holder.opened = await open();
    const db = holder.opened.db;
    await queryRows(
      db,
      sql`INSERT INTO users (id, name, email) VALUES (${ALICE}, 'Alice', 'alice@example.test'),
          (${BOB}, 'Bob', 'bob@example.test'), ('admin-user', 'Admin', 'admin@example.test')`,
    );
    for (const [name, passages] of Object.entries(DOCS)) docIds[name] = await addDocument(name, passages);
    reportsDir = await mkdtemp(path.join(tmpdir(), "ranklens-reports-"));
  });
  afterAll(async () => {
    await holder.opened?.close();
    Object.assign(env, saved);
    holder.rerank = "identity";
    if (reportsDir) await rm(reportsDir, { recursive: true, force: true });
  });

  it("stores, replaces and removes a judgement, only on the caller's own run", async () => {
    const run = await runQuery("basalt lava");
    expect(run.results).toHaveLength(6);
    const [first, second] = run.results;

    expect(await (await getLabels(run.runId)).json()).toEqual({ goldenQueryId: null, labels: [] });
    const put = await putLabel(run.runId, { chunkId: first.chunkId, grade: 2 });
    expect(put.status).toBe(200);
    const created = await put.json();
    expect(created.label).toMatchObject({
      chunkId: first.chunkId,
      documentId: first.documentId,
      grade: 2,
      runId: run.runId,
    });

    // Replace: the same candidate again, another grade → one label.
    await putLabel(run.runId, { chunkId: first.chunkId, grade: 1 });
    await putLabel(run.runId, { chunkId: second.chunkId, grade: 0 });
    let body = await (await getLabels(run.runId)).json();
    expect(body.goldenQueryId).toBe(created.goldenQueryId);
    expect(body.labels.map((l: { chunkId: number; grade: number }) => [l.chunkId, l.grade])).toEqual(
      [
        [first.chunkId, 1],
        [second.chunkId, 0],
      ].sort((a, b) => a[0] - b[0]),
    );

    // The same query asked again (other case and spacing) is the same golden query, with its labels.
    const again = await runQuery("  Basalt   LAVA ");
    expect((await (await getLabels(again.runId)).json()).labels).toHaveLength(2);

    // Remove: null clears; the last removal drops the golden query.
    await putLabel(run.runId, { chunkId: second.chunkId, grade: null });
    body = await (await getLabels(run.runId)).json();
    expect(body.labels).toEqual([expect.objectContaining({ chunkId: first.chunkId, grade: 1 })]);
    await putLabel(run.runId, { chunkId: first.chunkId, grade: null });
    expect(await (await getLabels(run.runId)).json()).toEqual({ goldenQueryId: null, labels: [] });

    // Bad bodies, a chunk that is not a candidate, a read-only key.
    for (const bad of [{ chunkId: first.chunkId, grade: 3 }, { chunkId: "x", grade: 1 }, { grade: 1 }]) {
      expect((await putLabel(run.runId, bad)).status).toBe(400);
    }
    expect((await putLabel(run.runId, { chunkId: 999_999, grade: 1 })).status).toBe(400);
    expect((await putLabel(run.runId, { chunkId: first.chunkId, grade: 1 }, ALICE, "read")).status).toBe(403);

    // Bob can neither label nor read labels of Alice's run: the same 404 as for no run.
    await putLabel(run.runId, { chunkId: first.chunkId, grade: 2 });
    const bobPut = await putLabel(run.runId, { chunkId: first.chunkId, grade: 0 }, BOB);
    expect(bobPut.status).toBe(404);
    expect((await bobPut.json()).error.code).toBe("not_found:labels");
    expect((await getLabels(run.runId, BOB)).status).toBe(404);
    expect((await getLabels("not-a-uuid")).status).toBe(404);
    expect((await (await getLabels(run.runId)).json()).labels).toEqual([
      expect.objectContaining({ chunkId: first.chunkId, grade: 2 }),
    ]);
    expect((await (await golden.GET(req("/api/golden", { user: BOB }))).json()).queries).toEqual([]);
    const mine = (await (await golden.GET(req("/api/golden", { user: ALICE }))).json()).queries;
    expect(mine).toEqual([
      expect.objectContaining({ query: "basalt lava", relevant: 1, partly: 0, notRelevant: 0, lastRunId: run.runId }),
    ]);
    await putLabel(run.runId, { chunkId: first.chunkId, grade: null });
  });

  it("evaluates nDCG@5 before and after rerank, and alerts on a drop and on reranking below fused", async () => {
    expect((await evaluate.POST(req("/api/golden/evaluate", { user: ALICE, method: "POST" }))).status).toBe(409);
    const run = await runQuery("basalt columns cooling");
    const [c1, c2, c3] = run.results; // fused ranks 1, 2, 3 (the identity reranker kept the fused order)
    expect(run.results.map((r) => r.fusedRank)).toEqual([1, 2, 3, 4, 5, 6]);
    await putLabel(run.runId, { chunkId: c1.chunkId, grade: 0 });
    await putLabel(run.runId, { chunkId: c2.chunkId, grade: 1 });
    await putLabel(run.runId, { chunkId: c3.chunkId, grade: 2 });
    // A second query whose only label is "not relevant" cannot be scored and is left out.
    const other = await runQuery("sourdough yeast");
    await putLabel(other.runId, { chunkId: other.results[0].chunkId, grade: 0 });

    // Ideal: grades 2, 1 at ranks 1, 2. Fused: 0, 1, 2 at ranks 1, 2, 3.
    const ideal = dcg([
      [2, 1],
      [1, 2],
    ]);
    const fused =
      dcg([
        [1, 2],
        [2, 3],
      ]) / ideal; // (1/log2 3 + 3/2) / (3 + 1/log2 3) = 0.58688
    expect(fused).toBeCloseTo(0.58688, 5);
    // Reversed (6 candidates): c3 at rank 4, c2 at rank 5, c1 at rank 6 (beyond the cut-off).
    const reversed =
      dcg([
        [2, 4],
        [1, 5],
      ]) / ideal; // (3/log2 5 + 1/log2 6) / (3 + 1/log2 3) = 0.46238
    expect(reversed).toBeCloseTo(0.46238, 5);

    holder.rerank = "identity";
    const res1 = await evaluate.POST(req("/api/golden/evaluate", { user: ALICE, method: "POST" }));
    expect(res1.status).toBe(201);
    const e1 = await res1.json();
    expect(e1.queryCount).toBe(1);
    expect(e1.ndcg5Fused).toBeCloseTo(fused, 10);
    expect(e1.ndcg5Reranked).toBeCloseTo(fused, 10);
    expect(e1.perQuery).toEqual([
      expect.objectContaining({ query: "basalt columns cooling", judged: 3, relevant: 2, reranked: true }),
    ]);
    let list = await (await evaluations.GET(req("/api/golden/evaluations", { user: ALICE }))).json();
    expect(list.evaluations).toHaveLength(1);
    expect(list.alert).toBeNull();
    expect(list.latest.perQuery[0].runId).toBe(e1.perQuery[0].runId);

    holder.rerank = "reverse";
    const e2 = await (await evaluate.POST(req("/api/golden/evaluate", { user: ALICE, method: "POST" }))).json();
    expect(e2.ndcg5Fused).toBeCloseTo(fused, 10);
    expect(e2.ndcg5Reranked).toBeCloseTo(reversed, 10);
    list = await (await evaluations.GET(req("/api/golden/evaluations", { user: ALICE }))).json();
    expect(list.evaluations.map((e: { id: string }) => e.id)).toEqual([e2.id, e1.id]);
    expect(list.alert).toMatchObject({ kind: "drop" });
    expect(list.alert.message).toContain("0.587");

    // Same reverse reranker again: no further drop, but reranking still scores below the fused order.
    await evaluate.POST(req("/api/golden/evaluate", { user: ALICE, method: "POST" }));
    list = await (await evaluations.GET(req("/api/golden/evaluations", { user: ALICE }))).json();
    expect(list.evaluations).toHaveLength(3);
    expect(list.alert).toMatchObject({ kind: "below_fused" });

    // Bob has no golden set and sees none of Alice's evaluations.
    expect(await (await evaluations.GET(req("/api/golden/evaluations", { user: BOB }))).json()).toEqual({
      evaluations: [],
      latest: null,
      alert: null,
    });
    holder.rerank = "identity";
  });

  it("exports the golden set in BEIR layout, and keeps only ids when a document is deleted", async () => {
    const res = await exportRoute.GET(req("/api/golden/export", { user: ALICE }));
    expect(res.headers.get("content-disposition")).toMatch(/attachment; filename="ranklens-golden-beir.json"/);
    const files = await res.json();
    expect(Object.keys(files).sort()).toEqual(["corpus.jsonl", "qrels/test.tsv", "queries.jsonl"]);
    const corpus = files["corpus.jsonl"]
      .trim()
      .split("\n")
      .map((l: string) => JSON.parse(l));
    const queries = files["queries.jsonl"]
      .trim()
      .split("\n")
      .map((l: string) => JSON.parse(l));
    const qrels = files["qrels/test.tsv"].trim().split("\n");
    expect(qrels[0]).toBe("query-id\tcorpus-id\tscore");
    expect(queries.map((q: { text: string }) => q.text).sort()).toEqual(["basalt columns cooling", "sourdough yeast"]);
    expect(qrels).toHaveLength(1 + 4);
    for (const line of qrels.slice(1)) {
      const [qid, cid, score] = line.split("\t");
      expect(queries.some((q: { _id: string }) => q._id === qid)).toBe(true);
      expect(corpus.some((c: { _id: string }) => c._id === cid)).toBe(true);
      expect(["0", "1", "2"]).toContain(score);
    }
    expect(corpus.every((c: { text: string; title: string }) => c.text.length > 0 && c.title.endsWith(".txt"))).toBe(
      true,
    );
    expect(await (await exportRoute.GET(req("/api/golden/export", { user: BOB }))).json()).toEqual({
      "corpus.jsonl": "",
      "queries.jsonl": "",
      "qrels/test.tsv": "query-id\tcorpus-id\tscore\n",
    });

    // Delete the kitchen document: its judgement stays as bare ids; its text leaves the export.
    const db = holder.opened!.db;
    expect(await deleteDocumentById({ db, id: docIds["kitchen.txt"], ownerId: ALICE })).toBe(true);
    const rows = await queryRows<Record<string, unknown>>(
      db,
      sql`SELECT l.* FROM relevance_labels l WHERE l.document_id = ${docIds["kitchen.txt"]}`,
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(Object.keys(row).sort()).toEqual([
        "chunk_id",
        "document_id",
        "golden_query_id",
        "grade",
        "labelled_at",
        "run_id",
      ]);
    }
    const after = await (await exportRoute.GET(req("/api/golden/export", { user: ALICE }))).json();
    expect(after["corpus.jsonl"]).not.toMatch(/sourdough|kitchen/i);
    expect(after["queries.jsonl"]).not.toContain("sourdough yeast");
    // Four judgements in all; those of the deleted document's passages are left out.
    expect(after["qrels/test.tsv"].trim().split("\n")).toHaveLength(1 + 4 - rows.length);
  });

  it("re-evaluates on schedule only when labels, documents or the reranker changed", async () => {
    const { startGoldenSchedule } = await import("@/lib/eval/golden-schedule");
    const schedule = startGoldenSchedule({
      intervalMs: 0,
      getDeps: searchDependencies,
      log: (l) => console.log("DBG", l),
    });
    const count = async () =>
      (await (await evaluations.GET(req("/api/golden/evaluations", { user: ALICE }))).json()).evaluations.length;
    // Whatever the default fusion put at ranks 2 and 3 above, the kitchen document is gone now: give the
    // basalt query a relevant passage that is still readable, so that it can be scored.
    const basalt = await runQuery("basalt columns cooling");
    const columns = basalt.results.find((r) => r.documentId === docIds["volcanoes.txt"])!;
    await putLabel(basalt.runId, { chunkId: columns.chunkId, grade: 2 });
    const before = await count();
    // Judgements changed since the last evaluation: one new evaluation, for Alice only; then none.
    expect(await schedule.tick()).toBe(1);
    expect(await count()).toBe(before + 1);
    expect(await schedule.tick()).toBe(0);
    expect(await count()).toBe(before + 1);
    // A document arrives: the next pass evaluates again, once.
    await addDocument("glaciers.txt", ["Glaciers carve U-shaped valleys as they slide downhill."]);
    expect(await schedule.tick()).toBe(1);
    expect(await count()).toBe(before + 2);
    expect(await schedule.tick()).toBe(0);
    // A judgement changes: the next pass evaluates again.
    await putLabel(basalt.runId, { chunkId: basalt.results[0].chunkId, grade: 1 });
    expect(await schedule.tick()).toBe(1);
    expect(await count()).toBe(before + 3);
    schedule.stop();
  });

  it("lists eval reports for admins only and refuses report names that leave the reports directory", async () => {
    const sample = {
      dataset: "tiny",
      createdAt: "2026-11-25T10:00:00.000Z",
      settings: { fusions: ["minmax:0.8/0.2"], ks: [15, 45], topN: 5 },
      stages: Object.fromEntries(["bm25", "dense", "fused", "reranked"].map((s) => [s, { "ndcg@10": 0.5 }])),
      runs: [15, 45].map((k) => ({
        fusion: "minmax:0.8/0.2",
        k,
        queries: 2,
        stages: Object.fromEntries(["bm25", "dense", "fused", "reranked"].map((s) => [s, { "ndcg@10": 0.5 }])),
        latencyMs: { totalMs: { p50: 1, p95: 2, p99: 3 } },
        perQuery: [
          { queryId: "q1", ndcg10: { bm25: 1, dense: 0, fused: 1, reranked: 0.9 } },
          { queryId: "q2", ndcg10: { bm25: 0, dense: 0, fused: 0, reranked: 0.1 } },
        ],
      })),
    };
    await mkdir(path.join(reportsDir, "tiny-2026-11-25T10-00-00-000Z"));
    await writeFile(path.join(reportsDir, "tiny-2026-11-25T10-00-00-000Z", "report.json"), JSON.stringify(sample));
    await mkdir(path.join(reportsDir, "broken"));
    await writeFile(path.join(reportsDir, "broken", "report.json"), "{not json");
    // A secret outside the reports directory, and a symlinked "report" pointing at it.
    const outside = await mkdtemp(path.join(tmpdir(), "ranklens-outside-"));
    await writeFile(path.join(outside, "report.json"), JSON.stringify({ ...sample, dataset: "secret" }));
    await symlink(outside, path.join(reportsDir, "linked"));
    Object.assign(env, { EVAL_REPORTS_DIR: reportsDir });
    try {
      expect((await reports.GET(req("/api/eval/reports", { user: ALICE }))).status).toBe(403);
      const list = await (await reports.GET(req("/api/eval/reports", { user: "admin-user" }))).json();
      expect(list.reports.map((r: { name: string }) => r.name)).toEqual(["tiny-2026-11-25T10-00-00-000Z"]);
      expect(list.reports[0]).toMatchObject({ dataset: "tiny", ks: [15, 45], queries: 2 });

      const get = (name: string, user = "admin-user") =>
        report.GET(req(`/api/eval/reports/${encodeURIComponent(name)}`, { user }), ctx({ name }));
      const one = await get("tiny-2026-11-25T10-00-00-000Z");
      expect(one.status).toBe(200);
      const detail = await one.json();
      expect(detail.worstQueries.map((q: { queryId: string }) => q.queryId)).toEqual(["q2", "q1"]);
      expect((await get("tiny-2026-11-25T10-00-00-000Z", ALICE)).status).toBe(403);
      for (const bad of ["..", "../etc", "..%2f..", "a/b", "a\\b", ".hidden", "x\0y", `/${outside}`, "a..b"]) {
        expect((await get(bad)).status, bad).toBe(400);
      }
      expect((await get("linked")).status).toBe(404);
      expect((await get("broken")).status).toBe(404);
      expect((await get("missing-report")).status).toBe(404);
    } finally {
      Object.assign(env, { EVAL_REPORTS_DIR: saved.EVAL_REPORTS_DIR });
      await rm(outside, { recursive: true, force: true });
    }
  });
});
