import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { eq, sql } from "drizzle-orm";
import type { OpenedDb } from "@/db";

// POST /api/documents/{id}/reingest on PGlite and on PostgreSQL: the document is ingested again from its
// stored bytes with another chunk size, and a search running the whole time sees exactly one version of
// it, the old chunks until the commit and the new ones after, never both, never none.

vi.mock("server-only", () => ({}));
const holder = vi.hoisted(() => ({ opened: undefined as OpenedDb | undefined }));
vi.mock("@/db", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@/db")>();
  return { ...actual, getDb: async () => holder.opened!.db };
});

const { openDb } = await import("@/db");
const { openFreshPostgres } = await import("@/db/testing");
const { createDocumentWithJob, getDocumentById } = await import("@/db/queries/documents");
const { searchBm25 } = await import("@/db/queries/retrieval");
const { queryRows } = await import("@/db/queries/sql");
const { chunkTerms, chunks, ingestJobs, users, EMBEDDING_DIM } = await import("@/db/schema");
const { startIngestRunner } = await import("@/lib/ingest/runner");
const { POST: REINGEST } = await import("./route");
const { GET } = await import("../route");

const ctx = (id: string) => ({ params: Promise.resolve({ id }) });
const post = (id: string) =>
  REINGEST(new Request(`http://localhost/api/documents/${id}/reingest`, { method: "POST" }), ctx(id));

// A deterministic embedder, slowed down so that the re-ingest lasts long enough to search during it.
let embedDelayMs = 0;
const embedder = {
  info: { id: "test-hash", version: "1" },
  dimension: EMBEDDING_DIM,
  async embed(texts: string[]) {
    if (embedDelayMs) await new Promise((r) => setTimeout(r, embedDelayMs));
    return texts.map((t) => {
      const v = new Float32Array(EMBEDDING_DIM);
      for (let i = 0; i < t.length; i++) v[t.charCodeAt(i) % EMBEDDING_DIM] += 1;
      const norm = Math.hypot(...v) || 1;
      return v.map((x) => x / norm);
    });
  },
};

// Every sentence holds the marker, so a search for it returns every chunk of the document.
const body = Array.from({ length: 400 }, (_, i) => `Sentence ${i} mentions quillfeather and item${i}.`).join(" ");

const databases: [string, () => Promise<OpenedDb>][] = [["PGlite", () => openDb({ memory: true })]];
const pgUrl = process.env.TEST_DATABASE_URL; // the tests' own switch
if (pgUrl) databases.push(["PostgreSQL", () => openFreshPostgres(pgUrl)]);
else it("needs TEST_DATABASE_URL for the PostgreSQL half", () => expect(pgUrl).toBeDefined());

describe.each(databases)("POST /api/documents/{id}/reingest on %s", (_name, open) => {
  let opened: OpenedDb;
  beforeAll(async () => {
    opened = await open();
    holder.opened = opened;
  });
  afterAll(async () => {
    await opened?.close();
  });

  const run = async (size: number) => {
    const runner = startIngestRunner({
      getDb: async () => opened.db,
      getEmbedder: async () => embedder,
      chunking: { size, overlap: 0 },
      sweepMs: 0,
      log: { info: () => {}, warn: console.warn, error: console.error },
    });
    return runner;
  };
  const chunkIds = async (documentId: string) =>
    (await opened.db.select({ id: chunks.id }).from(chunks).where(eq(chunks.documentId, documentId)))
      .map((r) => r.id)
      .sort((a, b) => a - b);

  it("replaces the chunks atomically while searches keep seeing exactly one version", async () => {
    holder.opened = opened;
    const raw = new TextEncoder().encode(body);
    const { id } = await createDocumentWithJob({
      db: opened.db,
      name: "q.txt",
      type: "text/plain",
      size: raw.length,
      sha256: "q".repeat(64),
      raw,
    });
    let runner = await run(100);
    await runner.whenIdle();
    await runner.stop();
    const oldIds = await chunkIds(id);
    expect(oldIds.length).toBeGreaterThan(20);

    // Re-ingest with bigger chunks, each embedding batch slowed down.
    embedDelayMs = 300;
    const res = await post(id);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ id, status: "queued" });
    expect((await getDocumentById({ db: opened.db, id }))!.status).toBe("ready");
    // A second request while it is queued adds nothing.
    expect((await post(id)).status).toBe(202);
    expect(await opened.db.select().from(ingestJobs).where(eq(ingestJobs.documentId, id))).toHaveLength(1);

    runner = await run(300);
    const seen = new Map<string, number>();
    let searching = true;
    const done = runner.whenIdle().finally(() => (searching = false));
    while (searching) {
      const hits = (await searchBm25({ db: opened.db, query: "quillfeather", k: 1000 })).map((h) => h.chunkId);
      const key = hits.sort((a, b) => a - b).join(",") === oldIds.join(",") ? "old" : `other:${hits.length}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
      const doc = await getDocumentById({ db: opened.db, id });
      expect(doc!.status).toBe("ready");
      await new Promise((r) => setTimeout(r, 5));
    }
    await done;
    await runner.stop();
    embedDelayMs = 0;

    const newIds = await chunkIds(id);
    expect(newIds.length).toBeGreaterThan(0);
    expect(newIds.length).toBeLessThan(oldIds.length);
    expect(newIds.some((c) => oldIds.includes(c))).toBe(false);
    // Every search saw the old version or the whole new one, and the old one was seen while embedding.
    expect([...seen.keys()].every((k) => k === "old" || k === `other:${newIds.length}`)).toBe(true);
    expect(seen.get("old")).toBeGreaterThan(2);
    const after = (await searchBm25({ db: opened.db, query: "quillfeather", k: 1000 })).map((h) => h.chunkId);
    expect(after.sort((a, b) => a - b)).toEqual(newIds);
    // No orphans: the old chunks' postings went with them.
    const [orphans] = await queryRows<{ n: unknown }>(
      opened.db,
      sql`SELECT count(*) AS n FROM chunk_terms ct WHERE ct.chunk_id = ANY(${`{${oldIds.join(",")}}`}::bigint[])`,
    );
    expect(Number(orphans.n)).toBe(0);
    expect(await opened.db.select().from(chunkTerms).limit(1)).toHaveLength(1);
    expect(await opened.db.select().from(ingestJobs).where(eq(ingestJobs.documentId, id))).toEqual([]);

    const detail = await (await GET(new Request("http://localhost"), ctx(id))).json();
    expect(detail).toMatchObject({ status: "ready", chunkCount: newIds.length });
  });

  it("answers 404 for another owner's document and for unknown ids", async () => {
    await opened.db.insert(users).values({ id: "other-owner", name: "Other", email: "other@example.test" });
    const raw = new TextEncoder().encode("Someone else's notes.");
    const { id } = await createDocumentWithJob({
      db: opened.db,
      name: "o.txt",
      type: "text/plain",
      size: raw.length,
      sha256: "o".repeat(64),
      raw,
      ownerId: "other-owner",
    });
    await opened.db.delete(ingestJobs).where(eq(ingestJobs.documentId, id));
    for (const target of [id, "00000000-0000-4000-8000-000000000000", "nope"]) {
      const res = await post(target);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: { code: "not_found:document", message: "Document not found." } });
    }
    expect(await opened.db.select().from(ingestJobs).where(eq(ingestJobs.documentId, id))).toEqual([]);
  });

  it("re-queues a failed document, which then fails again with its reason", async () => {
    const raw = new Uint8Array([0x61, 0xc3, 0x28]);
    const { id } = await createDocumentWithJob({
      db: opened.db,
      name: "bad.txt",
      type: "",
      size: 3,
      sha256: "b".repeat(64),
      raw,
    });
    let runner = await run(100);
    await runner.whenIdle();
    await runner.stop();
    expect((await getDocumentById({ db: opened.db, id }))!.status).toBe("failed");
    expect((await post(id)).status).toBe(202);
    expect((await getDocumentById({ db: opened.db, id }))!).toMatchObject({ status: "queued", error: null });
    runner = await run(100);
    await runner.whenIdle();
    await runner.stop();
    expect((await getDocumentById({ db: opened.db, id }))!).toMatchObject({
      status: "failed",
      error: expect.stringMatching(/not valid UTF-8/),
    });
  });
});
