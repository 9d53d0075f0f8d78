import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { OpenedDb } from "@/db";
import type { RunRecord } from "@/db/queries/runs";
import type { ReplayComparison } from "./compare";

// What-if replay through the real route handlers on PGlite and PostgreSQL. As in the golden-set test, a
// stub guard reads the user from a test header (authentication is app/api/security.int.test.ts's subject).

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
const { ingestFixture, openFreshPostgres, testDatabaseUrl } = await import("@/db/testing");
const { queryRows } = await import("@/db/queries/sql");
const { sql } = await import("drizzle-orm");
const search = await import("../../../search/route");
const runs = await import("../route");
const labels = await import("../labels/route");
const replayRoute = await import("./route");

const ORIGIN = "http://127.0.0.1:3999";
const ALICE = "alice-user";
const BOB = "bob-user";

function req(path: string, { user, method = "GET", body }: { user?: string; method?: string; body?: unknown } = {}) {
  const headers = new Headers();
  if (user) headers.set("x-test-user", user);
  if (body !== undefined) headers.set("content-type", "application/json");
  return new Request(`${ORIGIN}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}
const ctx = (id: string) => ({ params: Promise.resolve({ id }) });
const replay = (id: string, body: unknown, user = ALICE) =>
  replayRoute.POST(req(`/api/runs/${id}/replay`, { user, method: "POST", body }), ctx(id));
const getRun = async (id: string, user = ALICE) => runs.GET(req(`/api/runs/${id}`, { user }), ctx(id));

const PASSAGES = [
  "Basalt lava flows from shield volcanoes in long fluid rivers.",
  "Basalt columns form when a thick lava flow cools slowly and cracks.",
  "Volcanic ash from explosive eruptions can travel thousands of kilometres.",
  "Basalt stones are sold as pizza stones for home ovens.",
  "Lava tubes drain when an eruption stops, leaving long basalt caves.",
  "Pillow lava forms when basalt erupts under the sea.",
];

const databases: [string, () => Promise<OpenedDb>][] = [
  ["PGlite", () => openDb({ memory: true })],
  ["PostgreSQL", () => openFreshPostgres(testDatabaseUrl())],
];

describe.each(databases)("what-if replay on %s", (_name, open) => {
  const saved = { ...env };
  let original: RunRecord;

  beforeAll(async () => {
    Object.assign(env, { RERANK_CACHE_TTL_MS: 0 });
    holder.rerank = "identity";
    holder.opened = await open();
    const db = holder.opened.db;
    await queryRows(
      db,
      sql`INSERT INTO users (id, name, email) VALUES (${ALICE}, 'Alice', 'alice@example.test'),
          (${BOB}, 'Bob', 'bob@example.test')`,
    );
    // Seeded vectors (dense ranks are arbitrary; BM25 carries the order), then handed to alice.
    await ingestFixture(db, [{ name: "volcanoes.txt", chunks: PASSAGES }]);
    await queryRows(db, sql`UPDATE documents SET owner_id = ${ALICE}`);
    const res = await search.POST(req("/api/search", { user: ALICE, method: "POST", body: { query: "basalt lava" } }));
    expect(res.status).toBe(200);
    original = (await (await getRun(((await res.json()) as { runId: string }).runId)).json()) as RunRecord;
    expect(original.results).toHaveLength(6);
  });
  afterAll(async () => {
    await holder.opened?.close();
    Object.assign(env, saved);
    holder.rerank = "identity";
  });

  const runCount = async () =>
    (await queryRows<{ n: number }>(holder.opened!.db, sql`SELECT count(*)::int AS n FROM retrieval_runs`))[0].n;

  it("runs the same query with changed settings as a new run linked to the original, and compares them", async () => {
    const res = await replay(original.runId, { k: 4, topN: 2, rerank: false, fusion: "nvidia" });
    expect(res.status).toBe(201);
    const { run, comparison } = (await res.json()) as { run: RunRecord; comparison: ReplayComparison };
    expect(run.runId).not.toBe(original.runId);
    expect(run.query).toBe(original.query);
    expect(run.replayOf).toBe(original.runId);
    expect(run.params).toEqual({ query: original.query, k: 4, topN: 2, fusion: "nvidia", rerank: false });
    expect(run.reranked).toBe(false);
    expect(run.results).toHaveLength(4);
    // The stored run reads back the same way, link included.
    expect(await (await getRun(run.runId)).json()).toEqual(run);

    // The comparison agrees with the two runs' own final orders.
    const topOf = (r: RunRecord, n: number) =>
      [...r.results]
        .sort((a, b) => (a.rerankRank ?? a.fusedRank) - (b.rerankRank ?? b.fusedRank))
        .slice(0, n)
        .map((x) => x.chunkId);
    const before = topOf(original, 5);
    const after = topOf(run, 2);
    expect(comparison.originalRunId).toBe(original.runId);
    expect(comparison.replayRunId).toBe(run.runId);
    expect(comparison.topN).toEqual({ original: 5, replay: 2 });
    expect(comparison.entered.sort()).toEqual(after.filter((id) => !before.includes(id)).sort());
    expect(comparison.left.sort()).toEqual(before.filter((id) => !after.includes(id)).sort());
    expect(comparison.left.length).toBeGreaterThanOrEqual(3);
    expect(comparison.changes.map((c) => c.chunkId).sort()).toEqual([...new Set([...before, ...after])].sort());
    expect(comparison.ndcg5).toBeNull();
  });

  it("scores both runs with nDCG@5 once the query has labels", async () => {
    const top = original.results.find((r) => r.rerankRank === 1)!;
    const put = await labels.PUT(
      req(`/api/runs/${original.runId}/labels`, {
        user: ALICE,
        method: "PUT",
        body: { chunkId: top.chunkId, grade: 2 },
      }),
      ctx(original.runId),
    );
    expect(put.status).toBe(200);
    // The reversing reranker puts the only relevant passage (first in the original) last of six.
    holder.rerank = "reverse";
    const res = await replay(original.runId, {});
    holder.rerank = "identity";
    expect(res.status).toBe(201);
    const { run, comparison } = (await res.json()) as { run: RunRecord; comparison: ReplayComparison };
    expect(run.results.find((r) => r.chunkId === top.chunkId)!.rerankRank).toBe(6);
    expect(comparison.ndcg5).toEqual({ original: 1, replay: 0, judged: 1 });
    expect(comparison.left).toEqual([top.chunkId]);
  });

  it("replays a corrective run in corrective mode with its own settings unless told otherwise", async () => {
    Object.assign(env, { CORRECTIVE_MAX_ROUNDS: 3, CORRECTIVE_GRADE_THRESHOLD: 0.5, CORRECTIVE_MIN_RELEVANT: 2 });
    const res = await search.POST(
      req("/api/search", { user: ALICE, method: "POST", body: { query: "basalt lava", mode: "corrective" } }),
    );
    expect(res.status).toBe(200);
    const corrective = (await (await getRun(((await res.json()) as { runId: string }).runId)).json()) as RunRecord;
    const settingsOf = (r: RunRecord) => {
      const p = r.params as RunRecord["params"] & {
        mode?: string;
        corrective?: { maxRounds: number; threshold: number; minRelevant: number; rounds: unknown[] };
      };
      return p.mode === "corrective"
        ? {
            mode: p.mode,
            maxRounds: p.corrective!.maxRounds,
            threshold: p.corrective!.threshold,
            minRelevant: p.corrective!.minRelevant,
          }
        : { mode: p.mode ?? "single" };
    };
    expect(settingsOf(corrective)).toEqual({ mode: "corrective", maxRounds: 3, threshold: 0.5, minRelevant: 2 });
    // The environment changes after the run: a replay keeps the run's own settings, not the new defaults.
    Object.assign(env, { CORRECTIVE_MAX_ROUNDS: 2, CORRECTIVE_GRADE_THRESHOLD: 0.7, CORRECTIVE_MIN_RELEVANT: 1 });

    const again = await replay(corrective.runId, { k: 5 });
    expect(again.status).toBe(201);
    const { run, comparison } = (await again.json()) as { run: RunRecord; comparison: ReplayComparison };
    expect(run.replayOf).toBe(corrective.runId);
    expect(settingsOf(run)).toEqual({ mode: "corrective", maxRounds: 3, threshold: 0.5, minRelevant: 2 });
    expect(run.params.k).toBe(5);
    expect((run.params as { corrective?: { rounds: unknown[] } }).corrective!.rounds.length).toBeGreaterThanOrEqual(1);
    // Stored and read back with its rounds; compared like any replay.
    expect(await (await getRun(run.runId)).json()).toEqual(run);
    expect(comparison).toMatchObject({
      originalRunId: corrective.runId,
      replayRunId: run.runId,
      topN: { original: 5, replay: 5 },
    });

    const changed = (await (
      await replay(corrective.runId, { corrective: { maxRounds: 1, threshold: 0.9 } })
    ).json()) as { run: RunRecord };
    expect(settingsOf(changed.run)).toEqual({ mode: "corrective", maxRounds: 1, threshold: 0.9, minRelevant: 2 });

    const single = (await (await replay(corrective.runId, { mode: "single" })).json()) as { run: RunRecord };
    expect(settingsOf(single.run)).toEqual({ mode: "single" });
    expect(single.run.replayOf).toBe(corrective.runId);

    // A single-pass run asked to replay as corrective takes the environment's settings.
    const fromSingle = await replay(original.runId, { mode: "corrective" });
    expect(fromSingle.status).toBe(201);
    const { run: loop } = (await fromSingle.json()) as { run: RunRecord };
    expect(settingsOf(loop)).toEqual({ mode: "corrective", maxRounds: 2, threshold: 0.7, minRelevant: 1 });
    expect(settingsOf(((await (await replay(original.runId, {})).json()) as { run: RunRecord }).run)).toEqual({
      mode: "single",
    });
  });

  it("refuses bad settings with a 400 that names the field, and records nothing", async () => {
    const count = await runCount();
    for (const [body, message] of [
      [{ k: 3 }, /^topN: topN must not exceed k$/],
      [{ k: 0, topN: 1 }, /^k: /],
      [{ fusion: { method: "rrf", weights: { bm25: "a", vector: 1 } } }, /^fusion/],
      [{ query: "other" }, /query/],
      [{ mode: "looped" }, /^mode: /],
      [{ mode: "corrective", corrective: { maxRounds: 9 } }, /^corrective\.maxRounds: /],
      [{ mode: "corrective", corrective: { threshold: 2 } }, /^corrective\.threshold: /],
      [{ corrective: { rounds: 2 } }, /^corrective: /],
      [{ mode: "single", corrective: { maxRounds: 2 } }, /^corrective: applies only with mode "corrective"/],
      ["not an object", /./],
    ] as const) {
      const res = await replay(original.runId, body);
      expect(res.status).toBe(400);
      const { error } = (await res.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe("bad_request:search");
      expect(error.message).toMatch(message);
    }
    expect(await runCount()).toBe(count);
  });

  it("answers 404 for someone else's run, a missing one and a malformed id", async () => {
    const count = await runCount();
    for (const [id, user] of [
      [original.runId, BOB],
      [crypto.randomUUID(), ALICE],
      ["not-a-uuid", ALICE],
    ]) {
      const res = await replay(id, { rerank: false }, user);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("not_found:run");
    }
    expect(await runCount()).toBe(count);
  });
});
