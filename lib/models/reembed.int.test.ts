import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Db, OpenedDb } from "@/db";
import { openDb } from "@/db";
import { createDocumentWithJob, getDocumentById, getDocumentContent } from "@/db/queries/documents";
import {
  chunksMissingEmbedding,
  claimReembedJob,
  embedderIndexName,
  embedderVectors,
  insertChunkEmbeddings,
  listEmbedders,
  storeReembedBatch,
} from "@/db/queries/embedders";
import { searchDense } from "@/db/queries/retrieval";
import { getRetrievalRunById } from "@/db/queries/runs";
import { queryRows } from "@/db/queries/sql";
import { openFreshPostgres, testDatabaseUrl } from "@/db/testing";
import { startIngestRunner } from "@/lib/ingest/runner";
import { runSearch, searchParamsSchema, type RerankClientLike } from "@/lib/retrieval/search";
import { loadEmbedderSource, type EmbedderSource } from "./embedder-source";
import { createEmbedderSet, type EmbedderSet } from "./embedder-set";
import { writeBertFixture } from "./hf/testing/bert-fixture";
import { startReembedRunner } from "./reembed";
import type { Embedder } from "./types";

// Switching the embedder from the starter model to a Hugging Face ONNX bi-encoder (a random-weight BERT
// fixture) on an ingested corpus, on PGlite and on PostgreSQL: queries keep the old vectors until the new
// set is complete, a re-embedding abandoned mid-way resumes without redoing a chunk, a document ingested
// during the switch gets both, and vectors of different sizes never meet.

const MODELS_DIR = path.resolve("models");
const TOPICS = [
  "Vector databases index embeddings with HNSW graphs for approximate nearest neighbour search.",
  "BM25 ranks documents by term frequency and inverse document frequency with length normalisation.",
  "Cross-encoders rerank candidate passages by reading the query and the passage together.",
  "Reciprocal rank fusion merges lexical and dense rankings without calibrating their scores.",
  "Chunking splits long documents into overlapping passages that fit the model's window.",
  "Gardeners prune roses in late winter so that the new shoots flower in summer.",
];
const noReranker: RerankClientLike = { rerank: () => Promise.reject(new Error("reranking is off in these searches")) };

/** Counts the passages each model embeds: a resumed job must embed each missing chunk once. */
function counting(embedder: Embedder): Embedder & { passages: string[] } {
  const passages: string[] = [];
  return {
    info: embedder.info,
    dimension: embedder.dimension,
    passages,
    embed: async (texts, options) => {
      if (options.kind === "passage") passages.push(...texts);
      return embedder.embed(texts, options);
    },
  };
}

function setFor(db: Db, source: EmbedderSource, model: Embedder): EmbedderSet {
  return createEmbedderSet({
    getDb: async () => db,
    configured: async () => ({ embedder: model, source }),
    load: (s) => loadEmbedderSource(s, { modelsDir: MODELS_DIR }),
  });
}

async function ingest(db: Db, set: EmbedderSet, docs: { name: string; text: string }[]): Promise<string[]> {
  const ids: string[] = [];
  for (const d of docs) {
    const raw = new TextEncoder().encode(d.text);
    ids.push(
      (
        await createDocumentWithJob({
          db,
          name: d.name,
          type: "text/plain",
          size: raw.length,
          sha256: "0".repeat(64),
          raw,
        })
      ).id,
    );
  }
  const runner = startIngestRunner({
    getDb: async () => db,
    getEmbedder: () => set.serving(),
    getEmbedders: () => set.forIngest(),
    chunking: { size: 100, overlap: 0 },
    sweepMs: 0,
    log: { info() {}, warn: console.warn, error: console.error },
  });
  await runner.whenIdle();
  await runner.stop();
  for (const id of ids) expect(await getDocumentById({ db, id })).toMatchObject({ status: "ready", error: null });
  return ids;
}

async function vectorCounts(db: Db): Promise<Map<number, { n: number; dims: number[] }>> {
  const rows = await queryRows<{ embedder_id: number; n: unknown; dims: number[] | string }>(
    db,
    sql`SELECT embedder_id, count(*) AS n, array_agg(DISTINCT vector_dims(embedding)) AS dims
        FROM chunk_embeddings GROUP BY embedder_id`,
  );
  const dims = (d: number[] | string) =>
    typeof d === "string" ? d.replace(/[{}]/g, "").split(",").map(Number) : d.map(Number);
  return new Map(rows.map((r) => [Number(r.embedder_id), { n: Number(r.n), dims: dims(r.dims) }]));
}

const chunkCount = async (db: Db) =>
  Number((await queryRows<{ n: unknown }>(db, sql`SELECT count(*) AS n FROM chunks`))[0].n);

// k above the corpus's 35 chunks, so every chunk with a vector is ranked, whatever the default k.
const search = (db: Db, embedder: Embedder, query: string) =>
  runSearch({ db, embedder, reranker: noReranker, params: searchParamsSchema.parse({ query, k: 45, rerank: false }) });

function describeSwitch(label: string, open: () => Promise<OpenedDb>) {
  describe(label, () => {
    let opened: OpenedDb;
    let db: Db;
    let tmp: string;
    let starterSource: EmbedderSource;
    let bertSource: EmbedderSource;
    let bert: Embedder & { passages: string[] };

    beforeAll(async () => {
      opened = await open();
      db = opened.db;
      tmp = await mkdtemp(path.join(os.tmpdir(), "ranklens-reembed-"));
      const common = { licence: "apache-2.0", maxLength: 64 };
      await writeBertFixture(path.join(tmp, "bert-embedder"), {
        kind: "embedder",
        seed: 3,
        manifest: {
          ...common,
          id: "test/bert-embedder",
          dimension: 32,
          pooling: "mean",
          queryPrefix: "query: ",
          passagePrefix: "passage: ",
        },
      });
      await writeBertFixture(path.join(tmp, "other-embedder"), {
        kind: "embedder",
        seed: 9,
        manifest: { ...common, id: "test/other-embedder", dimension: 32, pooling: "cls" },
      });
      starterSource = { kind: "starter" };
      bertSource = { kind: "hf", dir: path.join(tmp, "bert-embedder") };
      bert = counting(await loadEmbedderSource(bertSource, { modelsDir: MODELS_DIR }));
    });
    afterAll(async () => {
      await opened?.close();
      if (tmp) await rm(tmp, { recursive: true, force: true });
    });

    it("switches from the starter embedder to a Hugging Face bi-encoder without ever mixing vectors", async () => {
      // 1. A corpus ingested with the starter embedder: the migrated starter row adopts its version.
      const starter = await loadEmbedderSource(starterSource, { modelsDir: MODELS_DIR });
      const before = setFor(db, starterSource, starter);
      await ingest(
        db,
        before,
        TOPICS.map((t, i) => ({
          name: `doc-${i}.txt`,
          text: Array.from({ length: 30 }, (_, j) => `${t} Part ${j}.`).join("\n\n"),
        })),
      );
      const total = await chunkCount(db);
      expect(total).toBeGreaterThanOrEqual(24);
      const [old] = await listEmbedders({ db });
      expect(old).toMatchObject({
        state: "active",
        modelId: starter.info.id,
        version: starter.info.version,
        dimension: 100,
      });
      expect((await vectorCounts(db)).get(old.id)).toEqual({ n: total, dims: [100] });

      // 2. The configuration now names the fixture: it becomes the building target with its own index.
      const during = setFor(db, bertSource, bert);
      const { active, target } = await during.plan();
      expect(active.id).toBe(old.id);
      expect(target).toMatchObject({ state: "building", modelId: "test/bert-embedder", dimension: 32 });
      const indexes = await queryRows<{ indexname: string; indexdef: string }>(
        db,
        sql`SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'chunk_embeddings' AND indexname LIKE 'chunk_embeddings_hnsw_%'`,
      );
      expect(indexes.find((i) => i.indexname === embedderIndexName(target!.id))?.indexdef).toMatch(
        new RegExp(`vector\\(32\\).*WHERE \\(embedder_id = ${target!.id}\\)`),
      );

      // 3. A re-embedding process stores two batches, then dies holding its lease.
      const crashed = await claimReembedJob({ db, leaseMs: 500 });
      expect(crashed?.embedder.id).toBe(target!.id);
      let afterId = 0;
      for (let b = 0; b < 2; b++) {
        const batch = await chunksMissingEmbedding({ db, embedderId: target!.id, afterId, limit: 5 });
        const vectors = await bert.embed(
          batch.map((c) => c.text),
          { kind: "passage" },
        );
        const ok = await storeReembedBatch({
          db,
          embedderId: target!.id,
          lease: crashed!.lease,
          vectors: batch.map((c, i) => ({ chunkId: c.chunkId, embedding: vectors[i] })),
        });
        expect(ok).toBe(true);
        afterId = batch[batch.length - 1].chunkId;
      }
      expect((await vectorCounts(db)).get(target!.id)?.n).toBe(10);
      // A second process cannot take the job while the lease is live.
      expect(await claimReembedJob({ db, leaseMs: 60_000 })).toBeNull();

      // 4. Meanwhile queries use the old vectors, embedding the query with the old model.
      const serving = await during.serving();
      expect(serving.vectorSet?.id).toBe(old.id);
      expect(serving.dimension).toBe(100);
      const mid = await search(db, serving, "approximate nearest neighbour search with HNSW graphs");
      expect(mid.denseSkippedReason).toBeUndefined();
      expect(mid.results.some((r) => r.vectorRank !== null)).toBe(true);
      expect(mid.results[0].documentName).toBe("doc-0.txt");

      // 5. A document ingested during the switch gets vectors of both embedders.
      bert.passages.length = 0;
      const [lateId] = await ingest(db, during, [
        { name: "late.txt", text: "Late arrivals are embedded twice.\n\nOnce per embedder." },
      ]);
      const late = await getDocumentContent({ db, id: lateId });
      expect(late!.chunks.length).toBeGreaterThan(0);
      const lateIds = late!.chunks.map((c) => c.chunkId);
      const lateVectors = await queryRows<{ embedder_id: number; n: unknown }>(
        db,
        sql`SELECT embedder_id, count(*) AS n FROM chunk_embeddings
            WHERE chunk_id = ANY(${`{${lateIds.join(",")}}`}::bigint[]) GROUP BY embedder_id ORDER BY embedder_id`,
      );
      expect(lateVectors.map((r) => [Number(r.embedder_id), Number(r.n)])).toEqual([
        [old.id, lateIds.length],
        [target!.id, lateIds.length],
      ]);
      expect(bert.passages).toHaveLength(lateIds.length);

      // 6. Another process resumes after the lease ran out and embeds only what is still missing.
      const missing = (await chunksMissingEmbedding({ db, embedderId: target!.id, limit: 10_000 })).map((c) => c.text);
      expect(missing).toHaveLength(total - 10);
      bert.passages.length = 0;
      let switched: number | null = null;
      const batches: number[] = [];
      const runner = startReembedRunner({
        getDb: async () => db,
        getTarget: () => during.target(),
        batchSize: 7,
        leaseMs: 500,
        sweepMs: 100,
        onBatch: (b) => batches.push(b.chunks),
        onSwitch: (id) => (switched = id),
        log: { info() {}, warn() {}, error: console.error },
      });
      await vi.waitFor(() => expect(switched).toBe(target!.id), { timeout: 60_000, interval: 100 });
      await runner.stop();
      expect(bert.passages.sort()).toEqual([...missing].sort());
      expect(batches.reduce((a, b) => a + b, 0)).toBe(missing.length);

      // 7. The new vectors serve; the old ones, their index and their row are gone.
      const after = await listEmbedders({ db });
      expect(after.map((e) => [e.id, e.state])).toEqual([[target!.id, "active"]]);
      const counts = await vectorCounts(db);
      expect([...counts.entries()]).toEqual([[target!.id, { n: total + lateIds.length, dims: [32] }]]);
      const left = await queryRows<{ indexname: string }>(
        db,
        sql`SELECT indexname FROM pg_indexes WHERE indexname = ${embedderIndexName(old.id)}`,
      );
      expect(left).toEqual([]);
      const now = await during.serving();
      expect(now.vectorSet?.id).toBe(target!.id);
      expect(now.dimension).toBe(32);
      const res = await search(db, now, "rerank candidate passages");
      expect(res.denseSkippedReason).toBeUndefined();
      expect(res.results.filter((r) => r.vectorRank !== null)).toHaveLength(Math.min(45, total + lateIds.length));
      const status = await during.status();
      expect(status).toMatchObject({
        active: {
          modelId: "test/bert-embedder",
          dimension: 32,
          embedded: total + lateIds.length,
          total: total + lateIds.length,
        },
        target: null,
        denseUnavailable: null,
      });

      // 8. Sizes never meet: a query of the old size is refused, so is a stored vector of another size,
      // and the dense query's form is the one the partial index answers.
      // A query embedded by the old model, after its vectors went: no dense rows, nothing compared.
      const stale = await search(db, serving, "approximate nearest neighbour search");
      expect(stale.results.every((r) => r.vectorRank === null)).toBe(true);
      await expect(searchDense({ db, embedding: new Float32Array(100).fill(0.1), k: 3 })).rejects.toThrow(
        /100 dimensions/,
      );
      // Even past the application's own check, the embedder's index refuses a vector of another size.
      await expect(
        db.transaction(async (tx) => {
          await tx.execute(
            sql`DELETE FROM chunk_embeddings WHERE embedder_id = ${target!.id} AND chunk_id = ${lateIds[0]}`,
          );
          await insertChunkEmbeddings(tx, { id: target!.id, dimension: 100 }, [
            { chunkId: lateIds[0], embedding: new Array(100).fill(0.1) },
          ]);
        }),
      ).rejects.toThrow();
      expect((await vectorCounts(db)).get(target!.id)?.n).toBe(total + lateIds.length);
      const { column, predicate, cast } = embedderVectors({ id: target!.id, dimension: 32 });
      const q = `[${new Array(32).fill(0.1).join(",")}]`;
      const plan = await db.transaction(async (tx) => {
        await tx.execute(sql.raw("SET LOCAL enable_seqscan = off"));
        return queryRows<Record<string, string>>(
          tx,
          sql`EXPLAIN SELECT chunk_id FROM chunk_embeddings WHERE ${predicate} ORDER BY ${column} <=> ${q}${cast} LIMIT 5`,
        );
      });
      expect(plan.map((r) => Object.values(r)[0]).join("\n")).toContain(embedderIndexName(target!.id));
    });

    it("turns dense retrieval off with the reason when the serving embedder can no longer be loaded; BM25 still answers", async () => {
      await rm(path.join(tmp, "bert-embedder"), { recursive: true, force: true });
      const otherSource: EmbedderSource = { kind: "hf", dir: path.join(tmp, "other-embedder") };
      const other = await loadEmbedderSource(otherSource, { modelsDir: MODELS_DIR });
      const next = setFor(db, otherSource, other);
      const { target } = await next.plan();
      expect(target?.modelId).toBe("test/other-embedder");
      const serving = await next.serving();
      expect(serving.unavailable).toMatch(/test\/bert-embedder.*cannot be loaded.*dense retrieval is off/);
      const res = await search(db, serving, "pruning roses in winter");
      expect(res.denseSkippedReason).toBe(serving.unavailable);
      expect(res.results.length).toBeGreaterThan(0);
      expect(res.results.every((r) => r.vectorRank === null)).toBe(true);
      expect(res.results[0].documentName).toBe("doc-5.txt");
      const run = await getRetrievalRunById({ db, id: res.runId });
      expect(run?.denseSkippedReason).toBe(serving.unavailable);
      expect((await next.status()).denseUnavailable).toBe(serving.unavailable);
      // Ingestion goes on with the new embedder alone; the re-embedding completes the switch.
      expect((await next.forIngest()).map((e) => e.vectorSet?.id)).toEqual([target!.id]);
    });
  });
}

describeSwitch("embedder switch on PGlite", () => openDb({ memory: true }));

const pgUrl = process.env.TEST_DATABASE_URL; // the tests' own switch, not app configuration
if (pgUrl) {
  describeSwitch("embedder switch on PostgreSQL", () => openFreshPostgres(pgUrl));
} else {
  describe("embedder switch on PostgreSQL", () => {
    // Deliberately a failure, not a skip: the PostgreSQL half must run.
    it("needs TEST_DATABASE_URL", () => {
      testDatabaseUrl();
    });
  });
}
