import os from "node:os";
import { randomUUID } from "node:crypto";
import { sql, type SQL } from "drizzle-orm";
import type { EmbedderState } from "../schema";
import { num, queryRows, type Executor } from "./sql";

// The embedders whose vectors are stored (db/schema/embedders.ts) and the re-embedding job that moves
// the corpus from the active one to the one the configuration asks for. Lock order, shared with
// completeIngestMany: ingest_jobs → documents → embedders → chunks / chunk_embeddings. Ingestion holds
// the embedders rows FOR KEY SHARE while it writes, a re-embedding batch updates its own row (FOR NO KEY
// UPDATE, compatible), and the switch takes them FOR UPDATE: it waits for ingest transactions in flight,
// so no chunk committed before the switch lacks a vector of the new embedder.

/** What vectors are recorded under: `key` is `<modelId>@<version>#<dimension>`. */
export interface EmbedderIdentity {
  key: string;
  modelId: string;
  version: string;
  dimension: number;
  /** How to load the model again (lib/models/embedder-source.ts); no secrets. */
  source: Record<string, unknown>;
}

export interface EmbedderRow extends EmbedderIdentity {
  id: number;
  state: EmbedderState;
  lockedBy: string | null;
  lockedAt: Date | null;
  lastError: string | null;
  activatedAt: Date | null;
}

/** A re-embedding job not renewed for this long belongs to a dead process and is taken over. */
export const REEMBED_LEASE_MS = 60_000;

// Identifies this process in embedders.locked_by (diagnostics only).
const WORKER_ID = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

export function embedderKey(id: { modelId: string; version: string; dimension: number }): string {
  return `${id.modelId}@${id.version}#${id.dimension}`;
}

/** The name of an embedder's partial HNSW index (also in drizzle/0008 for the first one). */
export const embedderIndexName = (embedderId: number) => `chunk_embeddings_hnsw_${Math.trunc(embedderId)}`;

/**
 * An embedder's vectors as its index sees them: the cast to its own size and the literal predicate
 * (a bound parameter would keep the planner from proving the partial index applies). Both numbers are
 * integers from the embedders row, never user input.
 */
export function embedderVectors(e: { id: number; dimension: number }): { column: SQL; predicate: SQL; cast: SQL } {
  const id = Math.trunc(e.id);
  const dim = Math.trunc(e.dimension);
  return {
    column: sql.raw(`(embedding::vector(${dim}))`),
    predicate: sql.raw(`embedder_id = ${id}`),
    cast: sql.raw(`::vector(${dim})`),
  };
}

const ROW_COLUMNS = sql.raw(
  `id, key, model_id, version, dimension, source, state, locked_by, locked_at, last_error, activated_at`,
);

type RawRow = {
  id: unknown;
  key: string;
  model_id: string;
  version: string;
  dimension: unknown;
  source: unknown;
  state: EmbedderState;
  locked_by: string | null;
  locked_at: unknown;
  last_error: string | null;
  activated_at: unknown;
};

const toDate = (v: unknown) => (v == null ? null : v instanceof Date ? v : new Date(String(v)));

function toRow(r: RawRow): EmbedderRow {
  return {
    id: num(r.id),
    key: r.key,
    modelId: r.model_id,
    version: r.version,
    dimension: num(r.dimension),
    source: (typeof r.source === "string" ? JSON.parse(r.source) : r.source) as Record<string, unknown>,
    state: r.state,
    lockedBy: r.locked_by,
    lockedAt: toDate(r.locked_at),
    lastError: r.last_error,
    activatedAt: toDate(r.activated_at),
  };
}

/** Every recorded embedder: active first, then building, then retired. */
export async function listEmbedders({ db }: { db: Executor }): Promise<EmbedderRow[]> {
  const rows = await queryRows<RawRow>(
    db,
    sql`SELECT ${ROW_COLUMNS} FROM embedders
        ORDER BY CASE state WHEN 'active' THEN 0 WHEN 'building' THEN 1 ELSE 2 END, id`,
  );
  return rows.map(toRow);
}

export async function getActiveEmbedder({ db }: { db: Executor }): Promise<EmbedderRow | null> {
  const [row] = await queryRows<RawRow>(db, sql`SELECT ${ROW_COLUMNS} FROM embedders WHERE state = 'active'`);
  return row ? toRow(row) : null;
}

export async function getEmbedderById({ db, id }: { db: Executor; id: number }): Promise<EmbedderRow | null> {
  const [row] = await queryRows<RawRow>(db, sql`SELECT ${ROW_COLUMNS} FROM embedders WHERE id = ${id}`);
  return row ? toRow(row) : null;
}

async function createEmbedderIndex(tx: Executor, e: { id: number; dimension: number }) {
  const { column, predicate } = embedderVectors(e);
  await tx.execute(
    sql`CREATE INDEX IF NOT EXISTS ${sql.identifier(embedderIndexName(e.id))} ON chunk_embeddings
        USING hnsw (${column} vector_cosine_ops) WHERE ${predicate}`,
  );
}

/** Drops an embedder's index, vectors and row (its vectors go with the row: ON DELETE CASCADE). */
async function dropEmbedder(tx: Executor, id: number) {
  await tx.execute(sql`DROP INDEX IF EXISTS ${sql.identifier(embedderIndexName(id))}`);
  await tx.execute(sql`DELETE FROM embedders WHERE id = ${id}`);
}

export type EmbedderPlan = { active: EmbedderRow; target: EmbedderRow | null };

/**
 * Records which embedder the configuration asks for and returns what serves and what is being built:
 * - the active one already: nothing to do (a building one for another model is dropped: the
 *   configuration went back before the switch);
 * - the active row is the migrated starter (version '*') and this is that model at the same size: it
 *   adopts the vectors and records its version;
 * - otherwise it becomes the building target (created with its partial index on first use; a previous
 *   target for another model is dropped), which the re-embedding job fills.
 * Serialised across processes by a transaction-scoped advisory lock.
 */
export async function planEmbedder({
  db,
  identity,
}: {
  db: Executor;
  identity: EmbedderIdentity;
}): Promise<EmbedderPlan> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended('ranklens.embedders', 0))`);
    const rows = (await listEmbedders({ db: tx })).filter((r) => r.state !== "retired");
    let active = rows.find((r) => r.state === "active");
    const building = rows.find((r) => r.state === "building") ?? null;
    const source = JSON.stringify(identity.source);
    if (!active) {
      // Only a database whose embedders were all removed by hand: start afresh with this one.
      const [row] = await queryRows<RawRow>(
        tx,
        sql`INSERT INTO embedders (key, model_id, version, dimension, source, state, activated_at)
            VALUES (${identity.key}, ${identity.modelId}, ${identity.version}, ${identity.dimension},
                    ${source}::jsonb, 'active', now())
            RETURNING ${ROW_COLUMNS}`,
      );
      active = toRow(row);
    }
    // IF NOT EXISTS: normally a no-op; it rebuilds an index a restore (db:import) or a hand did not bring.
    await createEmbedderIndex(tx, active);
    if (building) await createEmbedderIndex(tx, building);
    const adopts =
      active.version === "*" && active.modelId === identity.modelId && active.dimension === identity.dimension;
    if (active.key === identity.key || adopts) {
      if (building) await dropEmbedder(tx, building.id);
      if (adopts) {
        const [row] = await queryRows<RawRow>(
          tx,
          sql`UPDATE embedders SET key = ${identity.key}, version = ${identity.version}, source = ${source}::jsonb
              WHERE id = ${active.id} RETURNING ${ROW_COLUMNS}`,
        );
        active = toRow(row);
      }
      return { active, target: null };
    }
    if (building?.key === identity.key) return { active, target: building };
    if (building) await dropEmbedder(tx, building.id);
    // A retired row with this key (a switch back before its vectors were removed) starts over.
    await tx.execute(sql`DELETE FROM embedders WHERE key = ${identity.key}`);
    const [row] = await queryRows<RawRow>(
      tx,
      sql`INSERT INTO embedders (key, model_id, version, dimension, source, state)
          VALUES (${identity.key}, ${identity.modelId}, ${identity.version}, ${identity.dimension},
                  ${source}::jsonb, 'building')
          RETURNING ${ROW_COLUMNS}`,
    );
    const target = toRow(row);
    await createEmbedderIndex(tx, target);
    return { active, target };
  });
}

/**
 * Claims the re-embedding job (the building embedder) unless another process holds a live lease on it
 * (FOR UPDATE SKIP LOCKED, then the lease check). Returns the row and this claim's lease token.
 */
export async function claimReembedJob({
  db,
  leaseMs = REEMBED_LEASE_MS,
}: {
  db: Executor;
  leaseMs?: number;
}): Promise<{ embedder: EmbedderRow; lease: string } | null> {
  const lease = `${WORKER_ID}:${randomUUID()}`;
  const [row] = await queryRows<RawRow>(
    db,
    sql`UPDATE embedders SET locked_by = ${lease}, locked_at = now()
        WHERE id = (
          SELECT id FROM embedders
          WHERE state = 'building'
            AND (locked_by IS NULL OR locked_at < now() - make_interval(secs => ${leaseMs / 1000}::float8))
          FOR UPDATE SKIP LOCKED
        )
        RETURNING ${ROW_COLUMNS}`,
  );
  return row ? { embedder: toRow(row), lease } : null;
}

/** Lets a claim go (another process may take the job at once). */
export async function releaseReembedJob({ db, lease, error }: { db: Executor; lease: string; error?: string }) {
  await db.execute(
    sql`UPDATE embedders SET locked_by = NULL, locked_at = NULL, last_error = coalesce(${error ?? null}, last_error)
        WHERE locked_by = ${lease}`,
  );
}

/** Frees every re-embedding lease; only for a database this process holds exclusively (PGlite). */
export async function releaseOrphanedReembedJobs({ db }: { db: Executor }): Promise<void> {
  await db.execute(sql`UPDATE embedders SET locked_by = NULL, locked_at = NULL WHERE locked_by IS NOT NULL`);
}

/**
 * Chunks with no vector of this embedder, in id order after `afterId` (a pass resumes where it was;
 * the final pass from 0 finds chunks an ingest committed behind it).
 */
export async function chunksMissingEmbedding({
  db,
  embedderId,
  afterId = 0,
  limit,
}: {
  db: Executor;
  embedderId: number;
  afterId?: number;
  limit: number;
}): Promise<{ chunkId: number; text: string }[]> {
  const rows = await queryRows<{ id: unknown; text: string }>(
    db,
    sql`SELECT c.id, c.text FROM chunks c
        WHERE c.id > ${afterId}
          AND NOT EXISTS (SELECT 1 FROM chunk_embeddings e WHERE e.embedder_id = ${embedderId} AND e.chunk_id = c.id)
        ORDER BY c.id
        LIMIT ${limit}`,
  );
  return rows.map((r) => ({ chunkId: num(r.id), text: r.text }));
}

/** pgvector's text form; bound as text and cast, the same on both drivers. */
const vectorText = (v: Float32Array | number[]) => `[${Array.from(v).join(",")}]`;

/**
 * Inserts vectors of one embedder (chunks deleted meanwhile are skipped; a vector already there is
 * kept). The embedder's partial index casts to its size, so a vector of another size fails the insert.
 */
export async function insertChunkEmbeddings(
  tx: Executor,
  embedder: { id: number; dimension: number },
  vectors: { chunkId: number; embedding: Float32Array | number[] }[],
): Promise<number> {
  for (const v of vectors) {
    if (v.embedding.length !== embedder.dimension) {
      throw new Error(
        `chunk ${v.chunkId}: vector has ${v.embedding.length} dimensions, embedder ${embedder.id} stores ${embedder.dimension}`,
      );
    }
  }
  let stored = 0;
  for (let i = 0; i < vectors.length; i += 200) {
    const batch = vectors.slice(i, i + 200);
    const ids = `{${batch.map((v) => Math.trunc(v.chunkId)).join(",")}}`;
    const vecs = `{${batch.map((v) => `"${vectorText(v.embedding)}"`).join(",")}}`;
    const rows = await queryRows<{ chunk_id: unknown }>(
      tx,
      sql`INSERT INTO chunk_embeddings (embedder_id, chunk_id, embedding)
          SELECT ${embedder.id}::int, v.chunk_id, v.embedding::vector
          FROM unnest(${ids}::bigint[], ${vecs}::text[]) AS v(chunk_id, embedding)
          JOIN chunks c ON c.id = v.chunk_id
          ON CONFLICT DO NOTHING
          RETURNING chunk_id`,
    );
    stored += rows.length;
  }
  return stored;
}

/**
 * Stores one batch of the re-embedding job and renews its lease, in one transaction; nothing is written
 * (false) when the lease was lost (expired and taken over, or the target was dropped).
 */
export async function storeReembedBatch({
  db,
  embedderId,
  lease,
  vectors,
}: {
  db: Executor;
  embedderId: number;
  lease: string;
  vectors: { chunkId: number; embedding: Float32Array | number[] }[];
}): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [row] = await queryRows<{ id: unknown; dimension: unknown }>(
      tx,
      sql`UPDATE embedders SET locked_at = now(), last_error = NULL
          WHERE id = ${embedderId} AND locked_by = ${lease} AND state = 'building'
          RETURNING id, dimension`,
    );
    if (!row) return false;
    await insertChunkEmbeddings(tx, { id: num(row.id), dimension: num(row.dimension) }, vectors);
    return true;
  });
}

/**
 * Makes the building embedder the active one, atomically, if every chunk has its vector: the old active
 * one is retired (removeRetiredEmbedders drops its vectors). "incomplete": chunks still lack a vector
 * (ingested behind the pass); "lost": the lease is gone.
 */
export async function switchEmbedder({
  db,
  embedderId,
  lease,
}: {
  db: Executor;
  embedderId: number;
  lease: string;
}): Promise<"switched" | "incomplete" | "lost"> {
  return db.transaction(async (tx) => {
    // FOR UPDATE waits for the ingest transactions holding these rows FOR KEY SHARE (see the top).
    const rows = await queryRows<{ id: unknown; state: string; locked_by: string | null }>(
      tx,
      sql`SELECT id, state, locked_by FROM embedders WHERE state IN ('active', 'building') ORDER BY id FOR UPDATE`,
    );
    const target = rows.find((r) => num(r.id) === embedderId);
    if (!target || target.state !== "building" || target.locked_by !== lease) return "lost";
    const [missing] = await chunksMissingEmbedding({ db: tx, embedderId, limit: 1 });
    if (missing) return "incomplete";
    await tx.execute(sql`UPDATE embedders SET state = 'retired' WHERE state = 'active'`);
    await tx.execute(
      sql`UPDATE embedders SET state = 'active', activated_at = now(), locked_by = NULL, locked_at = NULL,
            last_error = NULL
          WHERE id = ${embedderId}`,
    );
    return "switched";
  });
}

/**
 * Removes retired embedders: their index, then their vectors and row. Not kept for a rollback: every
 * vector costs HNSW upkeep on each ingest, and going back is a re-embedding like any other switch.
 */
export async function removeRetiredEmbedders({ db }: { db: Executor }): Promise<number> {
  const retired = await queryRows<{ id: unknown }>(db, sql`SELECT id FROM embedders WHERE state = 'retired'`);
  for (const r of retired) await db.transaction((tx) => dropEmbedder(tx, num(r.id)));
  return retired.length;
}

export interface EmbedderCoverage {
  embedderId: number;
  /** Chunks with a vector of this embedder. */
  embedded: number;
  /** Chunks in the corpus. */
  total: number;
}

/** How many chunks each stored embedder covers. */
export async function embedderCoverage({ db }: { db: Executor }): Promise<EmbedderCoverage[]> {
  const rows = await queryRows<{ id: unknown; embedded: unknown; total: unknown }>(
    db,
    sql`SELECT e.id,
               (SELECT count(*) FROM chunk_embeddings ce WHERE ce.embedder_id = e.id) AS embedded,
               (SELECT count(*) FROM chunks) AS total
        FROM embedders e ORDER BY e.id`,
  );
  return rows.map((r) => ({ embedderId: num(r.id), embedded: num(r.embedded), total: num(r.total) }));
}
