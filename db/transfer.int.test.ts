// db:export / db:import: PGlite → PostgreSQL → PGlite with every table compared row by row and the same
// search results, damaged files and refusals leaving the target as it was, and the PGlite upgrade
// procedure (README, Operations) run on a copy of a data directory through the two npm scripts.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import zlib from "node:zlib";
import { getTableConfig, PgTable } from "drizzle-orm/pg-core";
import { eq, is, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDb, schema, type Db, type OpenedDb } from "./index";
import { migrate } from "./migrate";
import { createDocumentWithJob } from "./queries/documents";
import { setRelevanceLabel, saveGoldenEvaluation } from "./queries/labels";
import { saveRetrievalRun, type RunRecord } from "./queries/runs";
import { putCachedRerank } from "./queries/rerank-cache";
import { createApiKey } from "./queries/api-keys";
import { countRequest } from "./queries/rate-limit";
import { addWorkspaceMember, createWorkspace } from "./queries/workspaces";
import { searchBm25, searchDense } from "./queries/retrieval";
import { queryRows } from "./queries/sql";
import { appSecrets, chunks, documents, retrievalRuns, sessions, accounts, users, verifications } from "./schema";
import { FIXTURE_DOCUMENTS, FIXTURE_QUERIES, seededVector } from "./fixtures/corpus";
import { JAPANESE_DOCUMENTS, JAPANESE_QUERIES } from "./fixtures/japanese";
import { ingestFixture, openFreshPostgres, testDatabaseUrl } from "./testing";
import {
  countRows,
  describeTables,
  EXPORT_FORMAT,
  migrationsUpTo,
  readIndexes,
  readJournal,
  setPortableFormats,
  tableLines,
} from "./transfer";
import { exportDatabase } from "./transfer-export";
import { importDatabase } from "./transfer-import";

const run = promisify(execFile);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ranklens-transfer-"));
const at = (name: string) => path.join(tmp, name);

/** Every table's rows in their exported text form, sorted: two databases with equal snapshots hold the same data. */
async function snapshot(db: Db): Promise<Record<string, string[]>> {
  return db.transaction(async (tx) => {
    await setPortableFormats(tx);
    const out: Record<string, string[]> = {};
    for (const table of await describeTables(tx)) {
      const lines: string[] = [];
      for await (const batch of tableLines(tx, table)) lines.push(...batch);
      out[table.name] = lines.sort();
    }
    return out;
  });
}

const schemaTables = () =>
  (Object.values(schema) as unknown[])
    .filter((v): v is PgTable => is(v, PgTable))
    .map((t) => getTableConfig(t).name)
    .sort();

function readExport(file: string): {
  header: { tables: { name: string; rows: number }[] } & Record<string, unknown>;
  lines: string[];
} {
  const lines = zlib.gunzipSync(fs.readFileSync(file)).toString("utf8").split("\n");
  if (lines.at(-1) === "") lines.pop();
  return { header: JSON.parse(lines[0]), lines };
}

function writeExport(file: string, lines: string[]) {
  fs.writeFileSync(file, zlib.gzipSync(`${lines.join("\n")}\n`));
}

// Values whose text forms are easy to get wrong: every byte, quotes, backslashes, newlines, emoji,
// microseconds, shortest floats, big numbers inside jsonb, arrays.
const ALL_BYTES = Uint8Array.from({ length: 256 }, (_, i) => i);
const AWKWARD_TEXT = `quote " and 'single', back\\slash, tab\tnew\nline, {braces}, [1,2], NULL, é, 日本語, 🦦`;

async function populate(db: Db) {
  await ingestFixture(db, FIXTURE_DOCUMENTS);
  await ingestFixture(db, JAPANESE_DOCUMENTS);
  // A document still queued (its job row and raw bytes only).
  await createDocumentWithJob({
    db,
    name: AWKWARD_TEXT,
    type: "application/octet-stream",
    size: 256,
    sha256: "ab",
    raw: ALL_BYTES,
  });
  const created = new Date("2025-03-04T05:06:07.123Z");
  await db.insert(users).values({
    id: "u-alice",
    name: AWKWARD_TEXT,
    email: "alice@example.test",
    emailVerified: true,
    role: "user",
    banExpires: created,
  });
  // Microseconds, which a JS Date cannot carry.
  await db.execute(sql`UPDATE users SET created_at = '2025-01-02 03:04:05.123456+00' WHERE id = 'u-alice'`);
  await db
    .insert(accounts)
    .values({ id: "acc-1", accountId: "u-alice", providerId: "credential", userId: "u-alice", password: "scrypt$x" });
  await db
    .insert(sessions)
    .values({ id: "s-1", token: "tok-1", userId: "u-alice", expiresAt: new Date("2030-01-01T00:00:00Z") });
  await db.insert(verifications).values({ id: "v-1", identifier: "alice", value: "123", expiresAt: created });
  await db.insert(appSecrets).values({ name: "auth", value: "s3cret" });
  await createApiKey({ db, userId: "u-alice", name: "ci", scope: "read" });
  await countRequest({ db, keys: ["ip:127.0.0.1", "user:u-alice"], now: Date.UTC(2025, 0, 1) });
  const ws = await createWorkspace({ db, name: "team" });
  await addWorkspaceMember({ db, workspaceId: ws!.id, userId: "u-alice" });

  const [cat] = await db
    .select({ id: chunks.id, documentId: chunks.documentId })
    .from(chunks)
    .orderBy(chunks.id)
    .limit(1);
  const runRecord: RunRecord = {
    runId: "6f1c1f4e-5b7a-4c55-9a49-0d7f3f1e2a10",
    createdAt: "2025-01-02T03:04:05.678Z",
    query: "cats",
    params: {
      query: "cats",
      k: 45,
      topN: 5,
      fusion: "nvidia",
      rerank: true,
      weird: AWKWARD_TEXT,
      big: 12345678901234567890.5,
    } as unknown as RunRecord["params"],
    reranked: true,
    rerankSkippedReason: null,
    rerankModel: { id: "m", version: "v1" },
    timings: {
      embedMs: 0.1,
      bm25Ms: 2,
      denseMs: 3,
      fusionMs: 0,
      rerankQueueMs: 0,
      rerankComputeMs: 0,
      totalMs: 7,
    } as RunRecord["timings"],
    results: [
      { chunkId: cat.id, documentId: cat.documentId, documentName: "cats.txt", text: "The cat" },
    ] as unknown as RunRecord["results"],
    answerChunkIds: [cat.id],
    answer: "Cats [1].",
  };
  await saveRetrievalRun({ db, run: runRecord, userId: "u-alice" });
  await setRelevanceLabel({
    db,
    userId: "u-alice",
    query: "cats",
    runId: runRecord.runId,
    chunkId: cat.id,
    documentId: cat.documentId,
    grade: 2,
  });
  await saveGoldenEvaluation({
    db,
    userId: "u-alice",
    evaluation: {
      createdAt: "2025-01-03T00:00:00.000Z",
      queryCount: 1,
      ndcg5Fused: 0.1 + 0.2,
      ndcg5Reranked: 1 / 3,
      perQuery: [],
    },
    fingerprint: "fp",
  });
  await putCachedRerank({
    db,
    key: "k1",
    entry: {
      model: { id: "m", version: "v1" },
      results: [{ id: String(cat.id), index: 0, score: 0.9, rawScore: 2.2, truncatedTokens: 0 }],
    },
    documentIds: [cat.documentId],
    ttlMs: 3_600_000 * 24 * 365 * 100,
    now: Date.now(),
  });
}

/** What search returns: BM25 and dense rankings for the fixture queries. */
async function searches(db: Db) {
  const out: { chunkId: number; score: number }[][] = [];
  for (const query of [...FIXTURE_QUERIES, ...JAPANESE_QUERIES]) out.push(await searchBm25({ db, query, k: 10 }));
  for (let seed = 1; seed <= 6; seed++) out.push(await searchDense({ db, embedding: seededVector(seed), k: 10 }));
  return out;
}

// The same chunks in the same order; scores equal up to float rounding: BM25 sums its terms in the order
// the rows lie on disk, and pgvector's float4 distance differs in the 8th digit between its WebAssembly
// and native builds.
function expectSameSearches(got: Awaited<ReturnType<typeof searches>>, want: typeof got, tolerance = 1e-9) {
  expect(got.map((r) => r.map((x) => x.chunkId))).toEqual(want.map((r) => r.map((x) => x.chunkId)));
  got.forEach((r, i) =>
    r.forEach((x, j) => expect(Math.abs(x.score - want[i][j].score)).toBeLessThanOrEqual(tolerance)),
  );
}

const countsOf = async (db: Db) =>
  Object.fromEntries(
    await Promise.all((await describeTables(db)).map(async (t) => [t.name, await countRows(db, t.name)] as const)),
  );

// Each PGlite start costs seconds on a loaded machine; the steps below start several.
describe("db:export / db:import", { timeout: 600_000 }, () => {
  const pgUrl = process.env.TEST_DATABASE_URL; // the tests' own switch, not app configuration
  let source: OpenedDb;
  let sourceClosed = false;
  let before: Record<string, string[]>;
  let beforeSearches: Awaited<ReturnType<typeof searches>>;
  const exported = at("source.jsonl.gz");

  beforeAll(async () => {
    source = await openDb({ pgliteDir: at("source") });
    await populate(source.db);
    before = await snapshot(source.db);
    beforeSearches = await searches(source.db);
  });
  afterAll(async () => {
    try {
      if (!sourceClosed) await source?.close();
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("exports every table of the schema, with its row count", async () => {
    const summary = await exportDatabase({ db: source.db, out: exported });
    expect(fs.existsSync(`${exported}.partial`)).toBe(false);
    const { header, lines } = readExport(exported);
    expect(header).toMatchObject({ format: EXPORT_FORMAT, version: 1, migration: { tag: readJournal().at(-1)!.tag } });
    const names = header.tables.map((t) => t.name);
    // Every table the schema declares is in the file, and every table of the database: nothing is left out.
    expect(names).toEqual(expect.arrayContaining(schemaTables()));
    expect([...names].sort()).toEqual(Object.keys(before).sort());
    for (const t of header.tables) expect(t.rows, t.name).toBe(before[t.name].length);
    expect(summary.tables).toEqual(header.tables.map((t) => ({ name: t.name, rows: t.rows })));
    // Parents before children: documents before chunks before chunk_terms, users before documents.
    expect(names.indexOf("users")).toBeLessThan(names.indexOf("documents"));
    expect(names.indexOf("documents")).toBeLessThan(names.indexOf("chunks"));
    expect(names.indexOf("chunks")).toBeLessThan(names.indexOf("chunk_terms"));
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ end: true, rows: lines.length - 2 - names.length });
    // The fixture fills the tables whose value types matter.
    for (const t of [
      "documents",
      "chunks",
      "chunk_terms",
      "corpus_stats",
      "ingest_jobs",
      "users",
      "sessions",
      "accounts",
      "api_keys",
      "retrieval_runs",
      "relevance_labels",
      "golden_queries",
      "golden_evaluations",
      "rerank_cache",
      "workspaces",
      "workspace_members",
      "rate_limit_counters",
      "app_secrets",
      "verifications",
    ]) {
      expect(before[t]?.length ?? 0, t).toBeGreaterThan(0);
    }
  });

  it.runIf(pgUrl)("PGlite → PostgreSQL → PGlite: every row equal, the same BM25 and dense rankings", async () => {
    const pg = await openFreshPostgres(pgUrl!);
    try {
      const summary = await importDatabase({ db: pg.db, file: exported });
      expect(summary.replaced).toBe(false);
      expect(await countsOf(pg.db)).toEqual(Object.fromEntries(Object.entries(before).map(([k, v]) => [k, v.length])));
      expect(await snapshot(pg.db)).toEqual(before);
      expectSameSearches(await searches(pg.db), beforeSearches, 1e-6);
      expect(await readIndexes(pg.db)).toEqual(await readIndexes(source.db));
      // Read back through drizzle, independently of the text forms compared above.
      const [doc] = await pg.db.select({ raw: documents.raw }).from(documents).where(eq(documents.name, AWKWARD_TEXT));
      expect(Array.from(doc.raw as Uint8Array)).toEqual(Array.from(ALL_BYTES));
      const [r] = await pg.db.select().from(retrievalRuns);
      expect((r.params as Record<string, unknown>).weird).toBe(AWKWARD_TEXT);
      const [micro] = await queryRows<{ us: string }>(
        pg.db,
        sql`SELECT to_char(created_at AT TIME ZONE 'UTC', 'US') AS us FROM users WHERE id = 'u-alice'`,
      );
      expect(micro.us).toBe("123456");
      // The identity continues after the imported ids.
      const [{ next }] = await queryRows<{ next: number }>(
        pg.db,
        sql`SELECT nextval(pg_get_serial_sequence('chunks', 'id'))::int AS next`,
      );
      expect(next).toBe(Math.max(...before.chunks.map((l) => Number(JSON.parse(l)[0]))) + 1);

      const back = at("from-postgres.jsonl.gz");
      await exportDatabase({ db: pg.db, out: back });
      const again = await openDb({ pgliteDir: at("back"), migrate: false });
      try {
        await importDatabase({ db: again.db, file: back });
        expect(await snapshot(again.db)).toEqual(before);
        expectSameSearches(await searches(again.db), beforeSearches, 1e-6);
      } finally {
        await again.close();
      }
    } finally {
      await pg.close();
    }
  });

  it("PostgreSQL needs TEST_DATABASE_URL", () => {
    // Deliberately a failure, not a skip, when the PostgreSQL half cannot run.
    testDatabaseUrl();
  });

  it("a truncated or damaged file fails and leaves an empty target empty", async () => {
    const bytes = fs.readFileSync(exported);
    const truncated = at("truncated.jsonl.gz");
    fs.writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const { lines } = readExport(exported);
    const damaged = at("damaged.jsonl.gz");
    const i = lines.findIndex((l) => l.startsWith("[") && l.includes("Domestic cats"));
    writeExport(
      damaged,
      lines.map((l, j) => (j === i ? l.replace("Domestic cats", "Domestic dogs") : l)),
    );
    const badRow = at("bad-row.jsonl.gz");
    writeExport(
      badRow,
      lines.map((l, j) => (j === i ? l.slice(0, -3) : l)),
    );
    const noTrailer = at("no-trailer.jsonl.gz");
    writeExport(noTrailer, lines.slice(0, -1));

    const target = await openDb({ memory: true, migrate: false });
    const fresh = await openDb({ memory: true });
    try {
      for (const [file, message] of [
        [truncated, /damaged or truncated/],
        [damaged, /checksum mismatch/],
        [badRow, /line \d+: a row of \w+ is not valid JSON/],
        [noTrailer, /ends without its trailer/],
      ] as const) {
        await expect(importDatabase({ db: target.db, file }), file).rejects.toThrow(message);
        // Migrated to the file's schema, and nothing else: the rows a fresh database has.
        expect(await snapshotWithoutTimes(target.db)).toEqual(await snapshotWithoutTimes(fresh.db));
      }
    } finally {
      await target.close();
      await fresh.close();
    }
  });

  it("refuses a target that holds data unless replace; a failed replace keeps the old data", async () => {
    const target = await openDb({ memory: true });
    try {
      await ingestFixture(target.db, FIXTURE_DOCUMENTS.slice(0, 1));
      const held = await snapshot(target.db);
      await expect(importDatabase({ db: target.db, file: exported })).rejects.toThrow(
        /the target already holds data \(.*documents: 1 rows.*\); pass --replace to replace it/,
      );
      expect(await snapshot(target.db)).toEqual(held);
      await expect(importDatabase({ db: target.db, file: at("damaged.jsonl.gz"), replace: true })).rejects.toThrow(
        /checksum/,
      );
      expect(await snapshot(target.db)).toEqual(held);
      const summary = await importDatabase({ db: target.db, file: exported, replace: true });
      expect(summary.replaced).toBe(true);
      expect(await snapshot(target.db)).toEqual(before);
      expectSameSearches(await searches(target.db), beforeSearches);
    } finally {
      await target.close();
    }
  });

  it("explains a missing file, garbage, another format version and a newer schema", async () => {
    const target = await openDb({ memory: true, migrate: false });
    try {
      const { lines } = readExport(exported);
      const header = JSON.parse(lines[0]);
      const garbage = at("garbage.bin");
      fs.writeFileSync(garbage, "hello, not a backup");
      const notOurs = at("not-ours.jsonl.gz");
      writeExport(notOurs, ['{"hello":"world"}']);
      const future = at("future-format.jsonl.gz");
      writeExport(future, [JSON.stringify({ ...header, version: 99 }), ...lines.slice(1)]);
      const newer = at("newer-schema.jsonl.gz");
      writeExport(newer, [
        JSON.stringify({ ...header, migration: { tag: "9999_future", when: 8e12, hash: "x" } }),
        ...lines.slice(1),
      ]);
      const cases: [string, string | RegExp][] = [
        [at("missing.jsonl.gz"), `${at("missing.jsonl.gz")}: no such file`],
        [garbage, `${garbage} is not a RankLens database export (not gzip data)`],
        [notOurs, `${notOurs} is not a RankLens database export`],
        [future, /export format 99, written by a newer RankLens; this one reads format 1/],
        [newer, /the file comes from a newer schema \(migration 9999_future; this RankLens knows up to /],
      ];
      for (const [file, message] of cases)
        await expect(importDatabase({ db: target.db, file })).rejects.toThrow(message);
      // None of them touched the target: not even migrated.
      const [{ n }] = await queryRows<{ n: number }>(
        target.db,
        sql`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`,
      );
      expect(n).toBe(0);
    } finally {
      await target.close();
    }
  });

  it("a file from an older migration loads at that migration, then the later ones run on its rows", async () => {
    // 0004: before documents had owners (0005 gives the existing ones to the local user).
    const older = "0004_rerank_cache";
    const upTo = migrationsUpTo(older);
    const old = await openDb({ memory: true, migrate: false });
    const file = at("older.jsonl.gz");
    try {
      await migrate(old.db, upTo.dir);
      await old.db.execute(
        sql`INSERT INTO documents (name, type, size, sha256, raw) VALUES ('old.txt', 'text/plain', 3, 'h', '\\x010203')`,
      );
      const summary = await exportDatabase({ db: old.db, out: file });
      expect(summary.migration).toBe(older);
      expect(summary.tables.map((t) => t.name)).not.toContain("users");
    } finally {
      await old.close();
      upTo.cleanup();
    }
    const target = await openDb({ memory: true, migrate: false });
    try {
      expect(await importDatabase({ db: target.db, file })).toMatchObject({ migration: older });
      const [last] = await queryRows<{ w: string }>(
        target.db,
        sql`SELECT max(created_at)::text AS w FROM drizzle.__drizzle_migrations`,
      );
      expect(Number(last.w)).toBe(readJournal().at(-1)!.when);
      const [doc] = await target.db.select().from(documents);
      expect(doc).toMatchObject({ name: "old.txt", ownerId: "local" });
      expect(Array.from(doc.raw as Uint8Array)).toEqual([1, 2, 3]);
      // A target already past the file's migration is refused: migrations only go forward.
      await expect(importDatabase({ db: target.db, file, replace: true })).rejects.toThrow(/newer than the file's/);
    } finally {
      await target.close();
    }
  });

  it("upgrading PGlite: export a COPY of the data directory with npm run db:export, import into a fresh one", async () => {
    // The app is stopped (last test: the source stays closed).
    sourceClosed = true;
    await source.close();
    const original = at("source");
    const fingerprint = () => hashTree(original);
    const untouched = fingerprint();
    const copy = at("copy");
    fs.cpSync(original, copy, { recursive: true });
    const file = at("upgrade.jsonl.gz");
    const fresh = at("fresh");
    const env: NodeJS.ProcessEnv = { ...process.env, PGLITE_DIR: at("never-used") };
    delete env.DATABASE_URL;
    const tsx = path.resolve("node_modules/.bin/tsx");
    const exported = await run(tsx, ["scripts/db-export.ts", "--pglite-dir", copy, "--out", file], { env });
    expect(exported.stdout).toMatch(/^exported \d+ tables, \d+ rows \(migration \S+\) to /);
    const imported = await run(tsx, ["scripts/db-import.ts", "--pglite-dir", fresh, "--in", file], { env });
    expect(imported.stdout).toMatch(/^imported \d+ tables, \d+ rows/);
    expect(fs.existsSync(at("never-used"))).toBe(false);
    // A second import into the now full directory is refused, with the exit code and message of a CLI.
    await expect(
      run(tsx, ["scripts/db-import.ts", "--pglite-dir", fresh, "--in", file], { env }),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining("pass --replace to replace it"),
    });

    const upgraded = await openDb({ pgliteDir: fresh });
    try {
      expect(await snapshot(upgraded.db)).toEqual(before);
      expectSameSearches(await searches(upgraded.db), beforeSearches);
    } finally {
      await upgraded.close();
    }
    expect(fingerprint()).toEqual(untouched);
  });
});

function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, file)] = createHash("sha256").update(fs.readFileSync(file)).digest("hex");
  }
  return out;
}

// Seed rows carry now() timestamps: compare everything but the timestamps.
async function snapshotWithoutTimes(db: Db) {
  const snap = await snapshot(db);
  return Object.fromEntries(
    Object.entries(snap).map(([k, v]) => [
      k,
      v.map((l) => l.replace(/"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?\+00"/g, "T")),
    ]),
  );
}
