import os from "node:os";
import { randomUUID } from "node:crypto";
import { and, asc, desc, eq, sql } from "drizzle-orm";
import { chunks, documents, EMBEDDING_DIM, ingestJobs, LOCAL_USER_ID, type DocumentStatus } from "../schema";
import { documentVisibleTo, LOCAL_VIEWER, type Viewer } from "./access";
import { lexicalTsvector } from "./lexical";
import { num, queryRows, type Executor } from "./sql";

export type DocumentSummary = {
  id: string;
  ownerId: string;
  /** The workspace it is shared with (read-only for its members), or null when private. */
  workspaceId: string | null;
  name: string;
  type: string;
  size: number;
  sha256: string;
  status: DocumentStatus;
  error: string | null;
  chunkCount: number;
  progress: { stage: string; done: number; total: number };
  createdAt: string;
  updatedAt: string;
};

export type DocumentContent = {
  id: string;
  name: string;
  type: string;
  text: string;
  chunks: { chunkId: number; position: number; charStart: number; charEnd: number; tokenCount: number }[];
};

export type ClaimedIngestJob = { documentId: string; name: string; type: string; raw: Uint8Array };

export type IngestChunk = {
  position: number;
  text: string;
  charStart: number;
  charEnd: number;
  tokenCount: number;
  embedding: Float32Array | number[];
};

/** A running job not heard from (claim or progress update) for this long belongs to a dead worker. */
export const INGEST_LEASE_MS = 60_000;
/** A document whose worker died this many times is failed instead of being retried forever. */
export const INGEST_MAX_ATTEMPTS = 3;

// Identifies this process in ingest_jobs.locked_by (diagnostics only).
const WORKER_ID = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

const summaryColumns = {
  id: documents.id,
  ownerId: documents.ownerId,
  workspaceId: documents.workspaceId,
  name: documents.name,
  type: documents.type,
  size: documents.size,
  sha256: documents.sha256,
  status: documents.status,
  error: documents.error,
  progressStage: documents.progressStage,
  progressDone: documents.progressDone,
  progressTotal: documents.progressTotal,
  createdAt: documents.createdAt,
  updatedAt: documents.updatedAt,
  // Fully qualified: drizzle prints bare column names inside a select list.
  chunkCount: sql<number>`(SELECT count(*) FROM chunks c WHERE c.document_id = "documents"."id")`.mapWith(Number),
};

type SummaryRow = Omit<typeof documents.$inferSelect, "raw" | "text"> & { chunkCount: number };

function toSummary(r: SummaryRow): DocumentSummary {
  return {
    id: r.id,
    ownerId: r.ownerId,
    workspaceId: r.workspaceId,
    name: r.name,
    type: r.type,
    size: r.size,
    sha256: r.sha256,
    status: r.status,
    error: r.error,
    chunkCount: r.chunkCount,
    progress: { stage: r.progressStage, done: r.progressDone, total: r.progressTotal },
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

/**
 * An uploaded file as stored: its bytes are kept so that ingestion can resume after a crash. The owner
 * defaults to AUTH_MODE=local's implicit user.
 */
export type NewDocument = {
  name: string;
  type: string;
  size: number;
  sha256: string;
  raw: Uint8Array;
  ownerId?: string;
};

export async function createDocumentWithJob({
  db,
  name,
  type,
  size,
  sha256,
  raw,
  ownerId = LOCAL_USER_ID,
}: { db: Executor } & NewDocument): Promise<{ id: string }> {
  return db.transaction(async (tx) => {
    const [doc] = await tx
      .insert(documents)
      .values({ ownerId, name, type, size, sha256, raw, status: "queued" })
      .returning({ id: documents.id });
    await tx.insert(ingestJobs).values({ documentId: doc.id, state: "queued" });
    return { id: doc.id };
  });
}

/**
 * The owner's oldest document with these bytes that has not failed (a failed one may be uploaded
 * again); null if none. Another user's copy of the same bytes is never revealed.
 */
export async function findDocumentBySha256({
  db,
  sha256,
  ownerId = LOCAL_USER_ID,
}: {
  db: Executor;
  sha256: string;
  ownerId?: string;
}): Promise<{ id: string } | null> {
  const [row] = await queryRows<{ id: string }>(
    db,
    sql`SELECT id FROM documents WHERE owner_id = ${ownerId} AND sha256 = ${sha256} AND status <> 'failed'
        ORDER BY created_at, id LIMIT 1`,
  );
  return row ?? null;
}

/**
 * createDocumentWithJob unless a non-failed document with the same sha256 exists, in which case that
 * document's id comes back with duplicate: true and nothing is stored. A transaction-scoped advisory
 * lock on the hash serialises concurrent uploads of the same bytes (there is no unique index on sha256).
 */
export async function createDocumentUnlessDuplicate({
  db,
  name,
  type,
  size,
  sha256,
  raw,
  ownerId = LOCAL_USER_ID,
}: { db: Executor } & NewDocument): Promise<{ id: string; duplicate: boolean }> {
  return db.transaction(async (tx) => {
    await tx.execute(
      sql`SELECT pg_advisory_xact_lock(hashtextextended(${`documents.sha256:${ownerId}:${sha256}`}, 0))`,
    );
    const existing = await findDocumentBySha256({ db: tx, sha256, ownerId });
    if (existing) return { id: existing.id, duplicate: true };
    const { id } = await createDocumentWithJob({ db: tx, name, type, size, sha256, raw, ownerId });
    return { id, duplicate: false };
  });
}

const visible = (viewer: Viewer) => documentVisibleTo(viewer, sql`"documents"`);

/** The documents the viewer may read, newest first. */
export async function listDocuments({
  db,
  viewer = LOCAL_VIEWER,
}: {
  db: Executor;
  viewer?: Viewer;
}): Promise<DocumentSummary[]> {
  const rows = await db
    .select(summaryColumns)
    .from(documents)
    .where(visible(viewer))
    .orderBy(desc(documents.createdAt), asc(documents.id));
  return rows.map(toSummary);
}

/** The document if the viewer may read it; null if it does not exist or is not theirs to see. */
export async function getDocumentById({
  db,
  id,
  viewer = LOCAL_VIEWER,
}: {
  db: Executor;
  id: string;
  viewer?: Viewer;
}): Promise<DocumentSummary | null> {
  const [row] = await db
    .select(summaryColumns)
    .from(documents)
    .where(and(eq(documents.id, id), visible(viewer)));
  return row ? toSummary(row) : null;
}

export async function getDocumentContent({
  db,
  id,
  viewer = LOCAL_VIEWER,
}: {
  db: Executor;
  id: string;
  viewer?: Viewer;
}): Promise<DocumentContent | null> {
  const [doc] = await db
    .select({ id: documents.id, name: documents.name, type: documents.type, text: documents.text })
    .from(documents)
    .where(and(eq(documents.id, id), visible(viewer)));
  if (!doc) return null;
  const rows = await db
    .select({
      chunkId: chunks.id,
      position: chunks.position,
      charStart: chunks.charStart,
      charEnd: chunks.charEnd,
      tokenCount: chunks.tokenCount,
    })
    .from(chunks)
    .where(eq(chunks.documentId, id))
    .orderBy(asc(chunks.position), asc(chunks.id));
  return { ...doc, text: doc.text ?? "", chunks: rows };
}

/**
 * Deletes a document its owner asked to delete (false: no such document of theirs). Chunks, postings
 * and the ingest job go with it (ON DELETE CASCADE), its rerank-cache entries with the chunks (0004),
 * and the runs holding its passages are redacted (0005).
 */
export async function deleteDocumentById({
  db,
  id,
  ownerId = LOCAL_USER_ID,
}: {
  db: Executor;
  id: string;
  ownerId?: string;
}): Promise<boolean> {
  const deleted = await db
    .delete(documents)
    .where(and(eq(documents.id, id), eq(documents.ownerId, ownerId)))
    .returning({ id: documents.id });
  return deleted.length > 0;
}

/**
 * Shares the owner's document with a workspace the owner belongs to (read-only for its members), or
 * makes it private again (workspaceId null). False when the document is not the owner's or the owner
 * is not in the workspace.
 */
export async function setDocumentWorkspace({
  db,
  id,
  ownerId,
  workspaceId,
}: {
  db: Executor;
  id: string;
  ownerId: string;
  workspaceId: string | null;
}): Promise<boolean> {
  const member = workspaceId
    ? sql`EXISTS (SELECT 1 FROM workspace_members wm WHERE wm.workspace_id = ${workspaceId} AND wm.user_id = ${ownerId})`
    : sql`TRUE`;
  const updated = await db
    .update(documents)
    .set({ workspaceId, updatedAt: new Date() })
    .where(and(eq(documents.id, id), eq(documents.ownerId, ownerId), member))
    .returning({ id: documents.id });
  return updated.length > 0;
}

/**
 * Claims the oldest queued job, or a running one whose worker stopped renewing its lease, and marks
 * its document processing. Safe across processes (FOR UPDATE SKIP LOCKED).
 */
export async function claimNextIngestJob({
  db,
  leaseMs = INGEST_LEASE_MS,
}: {
  db: Executor;
  leaseMs?: number;
}): Promise<ClaimedIngestJob | null> {
  for (;;) {
    const claimed = await db.transaction(async (tx) => {
      const [job] = await queryRows<{ document_id: string; attempts: unknown }>(
        tx,
        sql`WITH next AS (
              SELECT document_id FROM ingest_jobs
              WHERE state = 'queued'
                 OR (state = 'running' AND locked_at < now() - make_interval(secs => ${leaseMs / 1000}::float8))
              ORDER BY created_at, document_id
              LIMIT 1
              FOR UPDATE SKIP LOCKED
            )
            UPDATE ingest_jobs j
            SET state = 'running', attempts = j.attempts + 1, locked_at = now(), locked_by = ${WORKER_ID},
                updated_at = now()
            FROM next WHERE j.document_id = next.document_id
            RETURNING j.document_id, j.attempts`,
      );
      if (!job) return null;
      if (num(job.attempts) > INGEST_MAX_ATTEMPTS) {
        await failIngest({
          db: tx,
          documentId: job.document_id,
          error: `ingestion was interrupted ${INGEST_MAX_ATTEMPTS} times; giving up`,
        });
        return "retry" as const;
      }
      const [doc] = await tx
        .update(documents)
        .set({ status: "processing", error: null, updatedAt: sql`now()` })
        .where(eq(documents.id, job.document_id))
        .returning({ documentId: documents.id, name: documents.name, type: documents.type, raw: documents.raw });
      return doc ?? null;
    });
    if (claimed !== "retry") return claimed;
  }
}

/** Puts back every running job; only for a database this process holds exclusively (PGlite). */
export async function requeueOrphanedIngestJobs({ db }: { db: Executor }): Promise<number> {
  return db.transaction(async (tx) => {
    const jobs = await tx
      .update(ingestJobs)
      .set({ state: "queued", lockedAt: null, lockedBy: null, updatedAt: sql`now()` })
      .where(eq(ingestJobs.state, "running"))
      .returning({ documentId: ingestJobs.documentId });
    for (const { documentId } of jobs) {
      await tx
        .update(documents)
        .set({ status: "queued", updatedAt: sql`now()` })
        .where(eq(documents.id, documentId));
    }
    return jobs.length;
  });
}

/** Records progress and renews the job's lease. */
export async function updateIngestProgress({
  db,
  documentId,
  stage,
  done,
  total,
}: {
  db: Executor;
  documentId: string;
  stage: string;
  done: number;
  total: number;
}): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .update(documents)
      .set({ progressStage: stage, progressDone: done, progressTotal: total, updatedAt: sql`now()` })
      .where(eq(documents.id, documentId));
    await tx
      .update(ingestJobs)
      .set({ lockedAt: sql`now()`, updatedAt: sql`now()` })
      .where(eq(ingestJobs.documentId, documentId));
  });
}

const INSERT_BATCH = 200;

/** Stores chunks, their BM25 postings and the parsed text, and marks the document ready, in one transaction. */
export async function completeIngest({
  db,
  documentId,
  text,
  chunks: input,
}: {
  db: Executor;
  documentId: string;
  text: string;
  chunks: IngestChunk[];
}): Promise<void> {
  for (const c of input) {
    if (c.embedding.length !== EMBEDDING_DIM) {
      throw new Error(`chunk ${c.position}: embedding has ${c.embedding.length} dimensions, expected ${EMBEDDING_DIM}`);
    }
  }
  await db.transaction(async (tx) => {
    const [doc] = await queryRows<{ id: string }>(
      tx,
      sql`SELECT id FROM documents WHERE id = ${documentId} FOR UPDATE`,
    );
    if (!doc) return; // deleted while it was being ingested
    // A resumed job may follow an earlier attempt; start from nothing.
    await tx.delete(chunks).where(eq(chunks.documentId, documentId));
    for (let i = 0; i < input.length; i += INSERT_BATCH) {
      await tx.insert(chunks).values(
        input.slice(i, i + INSERT_BATCH).map((c) => ({
          documentId,
          position: c.position,
          text: c.text,
          charStart: c.charStart,
          charEnd: c.charEnd,
          tokenCount: c.tokenCount,
          embedding: Array.from(c.embedding),
          lexical: lexicalTsvector(c.text),
        })),
      );
    }
    // The one lexical analysis both databases share: postings straight from the stored tsvector.
    await tx.execute(sql`
      INSERT INTO chunk_terms (chunk_id, term, tf, doc_len)
      SELECT id, lexeme, tf, sum(tf) OVER (PARTITION BY id)
      FROM (SELECT c.id, t.lexeme, coalesce(array_length(t.positions, 1), 1) AS tf
            FROM chunks c, unnest(c.lexical) AS t
            WHERE c.document_id = ${documentId}) p`);
    await tx.execute(sql`
      UPDATE chunks c SET lexeme_count = s.n
      FROM (SELECT ct.chunk_id, sum(ct.tf)::int AS n
            FROM chunk_terms ct JOIN chunks c2 ON c2.id = ct.chunk_id
            WHERE c2.document_id = ${documentId}
            GROUP BY ct.chunk_id) s
      WHERE c.id = s.chunk_id`);
    await tx
      .update(documents)
      .set({
        status: "ready",
        error: null,
        text,
        progressStage: "ready",
        progressDone: input.length,
        progressTotal: input.length,
        updatedAt: sql`now()`,
      })
      .where(eq(documents.id, documentId));
    await tx.delete(ingestJobs).where(eq(ingestJobs.documentId, documentId));
  });
  await refreshPlannerStats({ db }).catch(() => {}); // the ingest is committed; stale statistics only cost speed
}

/** Re-ANALYZE once the chunk count moved by this many chunks, or this fraction of the last analyzed count. */
export const ANALYZE_MIN_CHANGE = 1000;
export const ANALYZE_CHANGE_FRACTION = 0.2;

/**
 * PGlite has no autovacuum, so nothing else ever ANALYZEs chunks and chunk_terms. After an ingest, when
 * the chunk count has changed by max(ANALYZE_MIN_CHANGE, 20 %) since the last run, ANALYZE both (about
 * 0.25 s on 6k chunks / 516k postings; ANALYZE samples at most 30k rows, so it stays bounded). Claiming
 * the run is one UPDATE, so concurrent ingests analyze once. Returns whether it ran.
 */
export async function refreshPlannerStats({ db, force = false }: { db: Executor; force?: boolean }): Promise<boolean> {
  const claimed = await queryRows<{ chunk_count: unknown }>(
    db,
    sql`UPDATE corpus_stats SET analyzed_chunk_count = chunk_count
        WHERE id = 1 AND (${force}::boolean OR abs(chunk_count - analyzed_chunk_count)
              >= greatest(${ANALYZE_MIN_CHANGE}::bigint, ceil(analyzed_chunk_count * ${ANALYZE_CHANGE_FRACTION}::float8)::bigint))
        RETURNING chunk_count`,
  );
  if (claimed.length === 0) return false;
  await db.execute(sql`ANALYZE chunks, chunk_terms`);
  return true;
}

export async function failIngest({
  db,
  documentId,
  error,
}: {
  db: Executor;
  documentId: string;
  error: string;
}): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .update(documents)
      .set({ status: "failed", error, progressStage: "failed", updatedAt: sql`now()` })
      .where(eq(documents.id, documentId));
    await tx.delete(ingestJobs).where(eq(ingestJobs.documentId, documentId));
  });
}
