// The integration suite every database driver must pass (PGlite and PostgreSQL run the same one).
import { createHash } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Bm25Index } from "@/lib/retrieval/bm25-reference";
import type { Db, OpenedDb } from "./index";
import { migrate } from "./migrate";
import {
  claimNextIngestJob,
  completeIngest,
  createDocumentWithJob,
  deleteDocumentById,
  failIngest,
  getDocumentById,
  getDocumentContent,
  INGEST_MAX_ATTEMPTS,
  listDocuments,
  refreshPlannerStats,
  updateIngestProgress,
} from "./queries/documents";
import { analyzeEnglish, getChunksByIds, getTermIdf, searchBm25, searchDense } from "./queries/retrieval";
import { getRetrievalRunById, saveRetrievalRun, setRunAnswer, type RunRecord } from "./queries/runs";
import { chunks, chunkTerms, ingestJobs, rerankCache } from "./schema";
import { cosine, FIXTURE_QUERIES, seededVector } from "./fixtures/corpus";
import { JAPANESE_DOCUMENTS, JAPANESE_QUERIES } from "./fixtures/japanese";
import { analyzeLexical } from "./queries/lexical";
import { decodeJapaneseTerm, encodeJapaneseTerm } from "@/lib/text/analyze";
import { ingestFixture, type IngestedFixture } from "./testing";
import { queryRows } from "./queries/sql";
import {
  countRerankCacheFor,
  getCachedRerank,
  purgeExpiredRerankCache,
  putCachedRerank,
} from "./queries/rerank-cache";

async function referenceFor(db: Db, fixture: IngestedFixture): Promise<Bm25Index> {
  const analysed = await analyzeEnglish({ db, texts: fixture.chunks.map((c) => c.text) });
  return new Bm25Index(fixture.chunks.map((c, i) => ({ id: c.chunkId, terms: analysed[i] })));
}

async function queryTerms(db: Db, query: string): Promise<string[]> {
  const [terms] = await analyzeEnglish({ db, texts: [query] });
  return Object.keys(terms);
}

function expectSameRanking(got: { chunkId: number; score: number }[], want: { chunkId: number; score: number }[]) {
  expect(got.map((r) => r.chunkId)).toEqual(want.map((r) => r.chunkId));
  got.forEach((r, i) => expect(Math.abs(r.score - want[i].score)).toBeLessThan(1e-9));
}

async function newDocument(db: Db, name: string) {
  const raw = new TextEncoder().encode(`${name} body`);
  return createDocumentWithJob({
    db,
    name,
    type: "text/plain",
    size: raw.length,
    sha256: createHash("sha256").update(raw).digest("hex"),
    raw,
  });
}

export function describeDbSuite(label: string, open: () => Promise<OpenedDb>) {
  describe(label, () => {
    let opened: OpenedDb;
    let db: Db;
    let fixture: IngestedFixture;

    beforeAll(async () => {
      opened = await open();
      db = opened.db;
      fixture = await ingestFixture(db);
    });
    afterAll(async () => {
      await opened?.close();
    });

    it("has applied the migrations (pgvector, tables) and re-applying is a no-op", async () => {
      const ext = await queryRows<{ extname: string }>(
        db,
        sql`SELECT extname FROM pg_extension WHERE extname = 'vector'`,
      );
      expect(ext).toHaveLength(1);
      await migrate(db);
      const tables = await queryRows<{ table_name: string }>(
        db,
        sql`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
      );
      expect(tables.map((t) => t.table_name)).toEqual(
        expect.arrayContaining(["chunk_terms", "chunks", "documents", "ingest_jobs", "rerank_cache", "retrieval_runs"]),
      );
    });

    it("ingests documents: ready, chunk counts, content with offsets", async () => {
      const list = await listDocuments({ db });
      expect(list).toHaveLength(fixture.documentIds.length);
      const cats = await getDocumentById({ db, id: fixture.documentIds[0] });
      expect(cats).toMatchObject({ name: "cats.txt", status: "ready", error: null, chunkCount: 2 });
      expect(cats!.progress).toEqual({ stage: "ready", done: 2, total: 2 });
      expect(Date.parse(cats!.createdAt)).not.toBeNaN();
      const content = await getDocumentContent({ db, id: fixture.documentIds[0] });
      expect(content!.text.startsWith("The cat sat")).toBe(true);
      expect(content!.chunks.map((c) => c.position)).toEqual([0, 1]);
      expect(content!.chunks[1].charStart).toBeGreaterThan(content!.chunks[0].charEnd);
      expect(await getDocumentById({ db, id: "00000000-0000-0000-0000-000000000000" })).toBeNull();
    });

    it("searchBm25 equals the TypeScript reference fed with the database's lexemes", async () => {
      const reference = await referenceFor(db, fixture);
      for (const query of FIXTURE_QUERIES) {
        const terms = await queryTerms(db, query);
        expectSameRanking(await searchBm25({ db, query, k: 45 }), reference.search(terms, { k: 45 }));
        expectSameRanking(await searchBm25({ db, query, k: 3 }), reference.search(terms, { k: 3 }));
        expectSameRanking(
          await searchBm25({ db, query, k: 45, k1: 1.2, b: 0.75 }),
          reference.search(terms, { k: 45, k1: 1.2, b: 0.75 }),
        );
      }
      // Sanity on the analyser: stemming and stopwords.
      expect(await queryTerms(db, "the")).toEqual([]);
      expect(await searchBm25({ db, query: "the", k: 45 })).toEqual([]);
      const running = await searchBm25({ db, query: "running dogs", k: 1 });
      expect(running[0].chunkId).toBe(fixture.chunks.find((c) => c.text.startsWith("Dogs"))!.chunkId);
    });

    it("stores lexeme counts and postings consistent with to_tsvector", async () => {
      const analysed = await analyzeEnglish({ db, texts: fixture.chunks.map((c) => c.text) });
      const rows = await db.select({ id: chunks.id, lexemeCount: chunks.lexemeCount }).from(chunks);
      const byId = new Map(rows.map((r) => [r.id, r.lexemeCount]));
      fixture.chunks.forEach((c, i) => {
        expect(byId.get(c.chunkId)).toBe(Object.values(analysed[i]).reduce((s, n) => s + n, 0));
      });
    });

    it("keeps corpus_stats and posting lengths exact through ingest, re-ingest and delete", async () => {
      const check = async () => {
        const [want] = await queryRows<{ n: unknown; len: unknown }>(
          db,
          sql`SELECT count(*) AS n, coalesce(sum(lexeme_count), 0) AS len FROM chunks`,
        );
        const [got] = await queryRows<{ n: unknown; len: unknown }>(
          db,
          sql`SELECT chunk_count AS n, lexeme_total AS len FROM corpus_stats WHERE id = 1`,
        );
        expect([Number(got.n), Number(got.len)]).toEqual([Number(want.n), Number(want.len)]);
        const bad = await queryRows<{ n: unknown }>(
          db,
          sql`SELECT count(*) AS n FROM chunk_terms ct JOIN chunks c ON c.id = ct.chunk_id WHERE ct.doc_len <> c.lexeme_count`,
        );
        expect(Number(bad[0].n)).toBe(0);
      };
      await check();
      const { id } = await newDocument(db, "stats.txt");
      await claimNextIngestJob({ db });
      const ingest = (texts: string[]) =>
        completeIngest({
          db,
          documentId: id,
          text: texts.join(" "),
          chunks: texts.map((text, position) => ({
            position,
            text,
            charStart: 0,
            charEnd: text.length,
            tokenCount: 3,
            embedding: seededVector(100 + position),
          })),
        });
      await ingest(["walruses bask on ice floes", "walruses dive for clams"]);
      await check();
      await ingest(["a resumed attempt replaces the walruses"]); // deletes the earlier chunks first
      await check();
      expect(await deleteDocumentById({ db, id })).toBe(true); // cascade through documents → chunks
      await check();
      expect(await refreshPlannerStats({ db, force: true })).toBe(true);
      expect(await refreshPlannerStats({ db })).toBe(false); // nothing changed since
    });

    it("filters BM25 by documentIds without changing corpus statistics", async () => {
      const reference = await referenceFor(db, fixture);
      const docs = [fixture.documentIds[0], fixture.documentIds[9]];
      const ids = new Set(fixture.chunks.filter((c) => docs.includes(c.documentId)).map((c) => c.chunkId));
      const query = "search documents about cats";
      const got = await searchBm25({ db, query, k: 45, documentIds: docs });
      expect(got.length).toBeGreaterThan(0);
      expectSameRanking(got, reference.search(await queryTerms(db, query), { k: 45, ids }));
      expect(await searchBm25({ db, query, k: 45, documentIds: [] })).toEqual([]);
    });

    it("searchDense returns k rows in cosine order, exact on the fixture", async () => {
      const q = seededVector(9999);
      const expected = fixture.chunks
        .map((c) => ({ chunkId: c.chunkId, score: cosine(q, c.embedding) }))
        .sort((a, b) => b.score - a.score || a.chunkId - b.chunkId);
      const got = await searchDense({ db, embedding: new Float32Array(q), k: 5 });
      expect(got.map((r) => r.chunkId)).toEqual(expected.slice(0, 5).map((r) => r.chunkId));
      got.forEach((r, i) => expect(r.score).toBeCloseTo(expected[i].score, 5));
      // k above the corpus size: every chunk, once.
      const all = await searchDense({ db, embedding: q, k: 45 });
      expect(all.map((r) => r.chunkId)).toEqual(expected.map((r) => r.chunkId));
    });

    it("filters dense search by documentIds", async () => {
      const q = seededVector(4242);
      const docs = [fixture.documentIds[0], fixture.documentIds[3]];
      const expected = fixture.chunks
        .filter((c) => docs.includes(c.documentId))
        .map((c) => ({ chunkId: c.chunkId, score: cosine(q, c.embedding) }))
        .sort((a, b) => b.score - a.score);
      const got = await searchDense({ db, embedding: q, k: 45, documentIds: docs });
      expect(got.map((r) => r.chunkId)).toEqual(expected.map((r) => r.chunkId));
    });

    it("getTermIdf: Lucene idf of each word's lexeme, stopwords 0", async () => {
      const reference = await referenceFor(db, fixture);
      const idf = await getTermIdf({ db, words: ["Cats", "running", "the", "search", "xylophone"] });
      expect(idf.Cats).toBeCloseTo(reference.idf("cat"), 12);
      expect(idf.running).toBeCloseTo(reference.idf("run"), 12);
      expect(idf.search).toBeCloseTo(reference.idf("search"), 12);
      expect(idf.the).toBe(0);
      // Unseen lexeme: df = 0 in the same formula, the rarest possible term.
      const n = reference.size;
      expect(idf.xylophone).toBeCloseTo(Math.log(1 + (n + 0.5) / 0.5), 12);
      expect(await getTermIdf({ db, words: [] })).toEqual({});
    });

    it("getChunksByIds returns chunks with their document, in the order asked", async () => {
      const ids = [fixture.chunks[3].chunkId, fixture.chunks[0].chunkId, 987654321];
      const got = await getChunksByIds({ db, ids });
      expect(got.map((c) => c.chunkId)).toEqual(ids.slice(0, 2));
      expect(got[1]).toMatchObject({
        documentName: "cats.txt",
        position: 0,
        charStart: 0,
        text: fixture.chunks[0].text,
      });
    });

    it("dense search over more than k chunks returns k rows (ef_search ≥ 2k), with and without a filter", async () => {
      const bulk = await newDocument(db, "bulk.txt");
      const job = await claimNextIngestJob({ db });
      expect(job!.documentId).toBe(bulk.id);
      const embeddings = Array.from({ length: 300 }, (_, i) => seededVector(100_000 + i));
      await completeIngest({
        db,
        documentId: bulk.id,
        text: "bulk",
        chunks: embeddings.map((embedding, position) => ({
          position,
          text: `bulk chunk ${position}`,
          charStart: position,
          charEnd: position + 1,
          tokenCount: 3,
          embedding,
        })),
      });
      const q = seededVector(31337);
      const got = await searchDense({ db, embedding: q, k: 45 });
      expect(got).toHaveLength(45);
      for (let i = 1; i < got.length; i++) expect(got[i - 1].score).toBeGreaterThanOrEqual(got[i].score);
      const content = await getDocumentContent({ db, id: bulk.id });
      const all = [
        ...fixture.chunks.map((c) => ({ chunkId: c.chunkId, v: c.embedding })),
        ...content!.chunks.map((c, i) => ({ chunkId: c.chunkId, v: embeddings[i] })),
      ];
      const exact = all
        .map((c) => ({ chunkId: c.chunkId, score: cosine(q, c.v) }))
        .sort((a, b) => b.score - a.score)
        .slice(0, 45);
      const recall = exact.filter((e) => got.some((g) => g.chunkId === e.chunkId)).length / 45;
      expect(recall).toBeGreaterThanOrEqual(0.9);
      // A filter that keeps few rows still yields k of them.
      const filtered = await searchDense({ db, embedding: q, k: 5, documentIds: [fixture.documentIds[0], bulk.id] });
      expect(filtered).toHaveLength(5);
      await deleteDocumentById({ db, id: bulk.id });
    });

    it("deleting a document deletes its chunks, postings and job", async () => {
      const { id } = await newDocument(db, "doomed.txt");
      await claimNextIngestJob({ db });
      await completeIngest({
        db,
        documentId: id,
        text: "zebras gallop",
        chunks: [
          { position: 0, text: "zebras gallop", charStart: 0, charEnd: 13, tokenCount: 2, embedding: seededVector(7) },
        ],
      });
      const [hit] = await searchBm25({ db, query: "zebra", k: 5 });
      expect(await deleteDocumentById({ db, id })).toBe(true);
      expect(await deleteDocumentById({ db, id })).toBe(false);
      expect(await getDocumentContent({ db, id })).toBeNull();
      expect(await getChunksByIds({ db, ids: [hit.chunkId] })).toEqual([]);
      expect(await db.select().from(chunkTerms).where(eq(chunkTerms.chunkId, hit.chunkId))).toEqual([]);
      expect(await searchBm25({ db, query: "zebra", k: 5 })).toEqual([]);

      // A queued document's job goes with it too.
      const queued = await newDocument(db, "queued.txt");
      await deleteDocumentById({ db, id: queued.id });
      expect(await db.select().from(ingestJobs).where(eq(ingestJobs.documentId, queued.id))).toEqual([]);
    });

    it("claims jobs once, resumes a stale processing document, and gives up after repeated crashes", async () => {
      const raw = new Uint8Array([0, 1, 2, 250, 255, 10]);
      const { id } = await createDocumentWithJob({
        db,
        name: "bytes.bin.txt",
        type: "text/plain",
        size: 6,
        sha256: "x",
        raw,
      });
      expect((await getDocumentById({ db, id }))!.status).toBe("queued");
      const job = await claimNextIngestJob({ db });
      expect(job).toMatchObject({ documentId: id, name: "bytes.bin.txt", type: "text/plain" });
      expect(job!.raw).toBeInstanceOf(Uint8Array);
      expect([...job!.raw]).toEqual([...raw]);
      expect((await getDocumentById({ db, id }))!.status).toBe("processing");
      // Its lease is fresh: nobody else may take it.
      expect(await claimNextIngestJob({ db })).toBeNull();
      await updateIngestProgress({ db, documentId: id, stage: "embedding", done: 1, total: 4 });
      expect((await getDocumentById({ db, id }))!.progress).toEqual({ stage: "embedding", done: 1, total: 4 });
      expect(await claimNextIngestJob({ db })).toBeNull();

      // The worker died: its lease runs out and the document is picked up again.
      const expire = () =>
        db
          .update(ingestJobs)
          .set({ lockedAt: sql`now() - interval '1 hour'` })
          .where(eq(ingestJobs.documentId, id));
      await expire();
      expect((await claimNextIngestJob({ db }))?.documentId).toBe(id);
      for (let attempt = 2; attempt < INGEST_MAX_ATTEMPTS; attempt++) {
        await expire();
        expect((await claimNextIngestJob({ db }))?.documentId).toBe(id);
      }
      await expire();
      expect(await claimNextIngestJob({ db })).toBeNull();
      expect(await getDocumentById({ db, id })).toMatchObject({
        status: "failed",
        error: expect.stringContaining("interrupted"),
      });

      const other = await newDocument(db, "broken.txt");
      await claimNextIngestJob({ db });
      await failIngest({ db, documentId: other.id, error: "unsupported file" });
      expect(await getDocumentById({ db, id: other.id })).toMatchObject({
        status: "failed",
        error: "unsupported file",
      });
      expect(await claimNextIngestJob({ db })).toBeNull();
      await deleteDocumentById({ db, id });
      await deleteDocumentById({ db, id: other.id });
    });

    it("saves, reads and answers retrieval runs", async () => {
      const run: RunRecord = {
        runId: "6f1c1f4e-5b7a-4c55-9a49-0d7f3f1e2a10",
        createdAt: "2025-01-02T03:04:05.678Z",
        query: "cats",
        params: { query: "cats", k: 45, topN: 5, fusion: "nvidia", rerank: true } as RunRecord["params"],
        reranked: false,
        rerankSkippedReason: "deadline exceeded",
        rerankModel: null,
        timings: { embedMs: 1, bm25Ms: 2, denseMs: 3, fusionMs: 0, rerankQueueMs: 0, rerankComputeMs: 0, totalMs: 7 },
        results: [],
        answerChunkIds: [],
        answer: null,
      };
      await saveRetrievalRun({ db, run });
      expect(await getRetrievalRunById({ db, id: run.runId })).toEqual(run);
      await setRunAnswer({ db, id: run.runId, answerChunkIds: [3, 1], answer: "Cats sleep [1]." });
      expect(await getRetrievalRunById({ db, id: run.runId })).toMatchObject({
        answerChunkIds: [3, 1],
        answer: "Cats sleep [1].",
      });
      expect(await getRetrievalRunById({ db, id: "not-a-uuid" })).toBeNull();
      expect(await getRetrievalRunById({ db, id: "00000000-0000-0000-0000-000000000000" })).toBeNull();
    });
  });

  describe(`${label}: rerank cache`, () => {
    let opened: OpenedDb;
    let db: Db;
    const model = { id: "ranklens/test-reranker", version: "v1" };
    const results = [
      { id: "2", index: 1, score: 0.9, rawScore: 2.2, truncatedTokens: 0 },
      { id: "1", index: 0, score: 0.1, rawScore: -2.2, truncatedTokens: 3 },
    ];

    beforeAll(async () => {
      opened = await open();
      db = opened.db;
    });
    afterAll(async () => {
      await opened?.close();
    });

    async function readyDocument(name: string, text: string) {
      const { id } = await newDocument(db, name);
      await claimNextIngestJob({ db });
      await ingestText(id, text);
      return id;
    }
    const ingestText = (id: string, text: string) =>
      completeIngest({
        db,
        documentId: id,
        text,
        chunks: [{ position: 0, text, charStart: 0, charEnd: text.length, tokenCount: 2, embedding: seededVector(11) }],
      });

    it("stores, reads within the TTL, refreshes on conflict and purges expired rows", async () => {
      const doc = await readyDocument("cache-ttl.txt", "otters swim");
      const now = Date.UTC(2026, 0, 1);
      await putCachedRerank({ db, key: "k-ttl", entry: { model, results }, documentIds: [doc, doc], ttlMs: 1000, now });
      expect(await getCachedRerank({ db, key: "k-ttl", ttlMs: 1000, now: now + 500 })).toEqual({ model, results });
      expect(await getCachedRerank({ db, key: "k-ttl", ttlMs: 1000, now: now + 1500 })).toBeNull();
      expect(await getCachedRerank({ db, key: "other", ttlMs: 1000, now })).toBeNull();
      // Writing again refreshes created_at.
      await putCachedRerank({ db, key: "k-ttl", entry: { model, results }, documentIds: [doc], ttlMs: 1000, now: now + 1200 });
      expect(await getCachedRerank({ db, key: "k-ttl", ttlMs: 1000, now: now + 1500 })).toEqual({ model, results });
      const [row] = await db.select().from(rerankCache).where(eq(rerankCache.key, "k-ttl"));
      expect(row.documentIds).toEqual([doc]);
      expect(await purgeExpiredRerankCache({ db, ttlMs: 1000, now: now + 1100 })).toBe(0);
      expect(await purgeExpiredRerankCache({ db, ttlMs: 1000, now: now + 5000 })).toBe(1);
      expect(await countRerankCacheFor({ db, documentIds: [doc] })).toBe(0);
    });

    it("a write purges expired entries on the way", async () => {
      const doc = await readyDocument("cache-purge.txt", "herons wade");
      const now = Date.UTC(2026, 0, 2);
      await putCachedRerank({ db, key: "old", entry: { model, results }, documentIds: [doc], ttlMs: 1000, now });
      await putCachedRerank({ db, key: "new", entry: { model, results }, documentIds: [doc], ttlMs: 1000, now: now + 5000 });
      const keys = (await db.select({ key: rerankCache.key }).from(rerankCache)).map((r) => r.key);
      expect(keys).toContain("new");
      expect(keys).not.toContain("old");
    });

    it("deleting or re-ingesting a document deletes the entries that cite it, and only those", async () => {
      const a = await readyDocument("cache-a.txt", "badgers dig");
      const b = await readyDocument("cache-b.txt", "moles tunnel");
      const now = Date.now();
      const put = (key: string, documentIds: string[]) =>
        putCachedRerank({ db, key, entry: { model, results }, documentIds, ttlMs: 3_600_000, now });
      await put("a-only", [a]);
      await put("b-only", [b]);
      await put("a-and-b", [a, b]);
      expect(await countRerankCacheFor({ db, documentIds: [a] })).toBe(2);

      // Re-ingest of a: its chunks are replaced (new ids), so entries citing a go.
      await ingestText(a, "badgers dig deeper");
      const left = async () => (await db.select({ key: rerankCache.key }).from(rerankCache)).map((r) => r.key).sort();
      expect(await left()).toEqual(["b-only"]);

      await put("a-again", [a]);
      expect(await deleteDocumentById({ db, id: b })).toBe(true);
      expect(await left()).toEqual(["a-again"]);
      expect(await deleteDocumentById({ db, id: a })).toBe(true);
      expect(await left()).toEqual([]);
    });
  });

  describe(`${label}: Japanese and mixed Japanese/English text`, () => {
    let opened: OpenedDb;
    let db: Db;
    let fixture: IngestedFixture;
    const chunkOf = (prefix: string) => fixture.chunks.find((c) => c.text.startsWith(prefix))!.chunkId;

    beforeAll(async () => {
      opened = await open();
      db = opened.db;
      fixture = await ingestFixture(db, JAPANESE_DOCUMENTS);
    });
    afterAll(async () => {
      await opened?.close();
    });

    // The postings as stored, read back from chunk_terms.
    async function storedReference(): Promise<Bm25Index> {
      const rows = await queryRows<{ chunk_id: unknown; term: string; tf: unknown }>(
        db,
        sql`SELECT chunk_id, term, tf FROM chunk_terms`,
      );
      const byChunk = new Map<number, Record<string, number>>(fixture.chunks.map((c) => [c.chunkId, {}]));
      for (const r of rows) byChunk.get(Number(r.chunk_id))![r.term] = Number(r.tf);
      return new Bm25Index([...byChunk].map(([id, terms]) => ({ id, terms })));
    }

    it("stores encoded Japanese terms next to english lexemes, as analyzeLexical computes them", async () => {
      const analysed = await analyzeLexical({ db, texts: fixture.chunks.map((c) => c.text) });
      const reference = await storedReference();
      const rows = await db.select({ id: chunks.id, lexemeCount: chunks.lexemeCount }).from(chunks);
      const lengths = new Map(rows.map((r) => [r.id, r.lexemeCount]));
      fixture.chunks.forEach((c, i) => {
        expect(reference.search(Object.keys(analysed[i])).map((r) => r.chunkId)).toContain(c.chunkId);
        expect(lengths.get(c.chunkId)).toBe(Object.values(analysed[i]).reduce((s, n) => s + n, 0));
      });
      const rag = analysed[fixture.chunks.findIndex((c) => c.text.startsWith("LangGraph"))];
      expect(rag).toHaveProperty("langgraph");
      expect(rag).toHaveProperty("rag");
      const decoded = Object.keys(rag).flatMap((l) => decodeJapaneseTerm(l) ?? []);
      expect(decoded).toEqual(expect.arrayContaining(["らんきんぐ", "構築", "検索"]));
      // Every lexeme is english or an encoded Japanese term; no raw Japanese reaches the index.
      const all = await queryRows<{ term: string }>(db, sql`SELECT DISTINCT term FROM chunk_terms`);
      expect(all.filter((r) => /[^\x00-\x7f]/.test(r.term))).toEqual([]);
    });

    it("searchBm25 finds the right chunk for Japanese queries and equals the reference on stored terms", async () => {
      const reference = await storedReference();
      for (const query of JAPANESE_QUERIES) {
        const [terms] = await analyzeLexical({ db, texts: [query] });
        for (const params of [{ k: 45 }, { k: 3 }, { k: 10, k1: 1.2, b: 0.75 }]) {
          const got = await searchBm25({ db, query, ...params });
          const want = reference.search(Object.keys(terms), params);
          expect(got.map((r) => r.chunkId)).toEqual(want.map((r) => r.chunkId));
          got.forEach((r, i) => expect(Math.abs(r.score - want[i].score)).toBeLessThan(1e-9));
        }
      }
      const top = async (query: string) => (await searchBm25({ db, query, k: 1 }))[0]?.chunkId;
      expect(await top("LangGraphでリランキング付きRAGを構築する方法は?")).toBe(chunkOf("LangGraph"));
      expect(await top("梅雨がないのはどこか")).toBe(chunkOf("梅雨"));
      expect(await top("日本の首都")).toBe(chunkOf("東京都"));
      // Width and kana variants meet: half-width katakana in the document, full-width in the query …
      expect(await top("クロスエンコーダ")).toBe(chunkOf("リランキングには"));
      // … and hiragana in the document, katakana (half-width) in the query.
      expect(await top("ｶﾀｶﾅ")).toBe(chunkOf("かたかな"));
      expect(await top("HNSWでベクトル検索")).toBe(chunkOf("ベクトル"));
      expect(await top("rank fusion")).toBe(chunkOf("Reciprocal"));
    });

    it("getTermIdf maps a Japanese word to its encoded term", async () => {
      const reference = await storedReference();
      const idf = await getTermIdf({ db, words: ["構築", "カタ", "検索", "fusion", "猫"] });
      expect(idf["構築"]).toBeCloseTo(reference.idf(encodeJapaneseTerm("構築")), 12);
      // Katakana folds to hiragana: the bigram かた of the document written in hiragana.
      expect(idf["カタ"]).toBeCloseTo(reference.idf(encodeJapaneseTerm("かた")), 12);
      expect(idf["カタ"]).toBeGreaterThan(0);
      expect(idf["検索"]).toBeCloseTo(reference.idf(encodeJapaneseTerm("検索")), 12);
      expect(idf["検索"]).toBeLessThan(idf["構築"]); // in four chunks, against one
      expect(idf.fusion).toBeCloseTo(reference.idf("fusion"), 12);
      expect(idf["猫"]).toBeCloseTo(Math.log(1 + (reference.size + 0.5) / 0.5), 12);
    });
  });
}
