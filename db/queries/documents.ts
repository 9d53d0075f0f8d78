import os from "node:os";
import { randomUUID } from "node:crypto";
import { and, asc, desc, eq, isNull, sql } from "drizzle-orm";
import { chunks, documents, ingestJobs, LOCAL_USER_ID, type DocumentStatus } from "../schema";
import { documentVisibleTo, LOCAL_VIEWER, type Viewer } from "./access";
import { insertChunkEmbeddings } from "./embedders";
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

export type ClaimedIngestJob = {
  documentId: string;
  name: string;
  type: string;
  raw: Uint8Array;
  /** This claim's token (ingest_jobs.locked_by): renewing, completing and failing need it to still hold. */
  lease?: string;
  /** 1 for the first try; retries and resumed jobs count up to INGEST_MAX_ATTEMPTS. */
  attempt?: number;
  /** The document has a ready version (re-ingest): it stays searchable until the new one replaces it. */
  reingest?: boolean;
};

export type IngestChunk = {
  position: number;
  text: string;
  charStart: number;
  charEnd: number;
  tokenCount: number;
  /** The active embedder's vector (when `embeddings` is absent). */
  embedding: Float32Array | number[];
  /**
   * Vectors by embedder key (db/queries/embedders.ts embedderKey): during a switch, the serving and the
   * new embedder's. Stored for every embedder the database keeps vectors of; one it lacks is left to
   * the re-embedding job.
   */
  embeddings?: Record<string, Float32Array | number[]>;
};

/** A running job not heard from (claim or progress update) for this long belongs to a dead worker. */
export const INGEST_LEASE_MS = 60_000;
/** A document that failed or whose worker died this many times is failed instead of being retried forever. */
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

/** The id of the user with this email (case-insensitive), for offline scripts choosing an owner. */
export async function getOwnerIdByEmail({ db, email }: { db: Executor; email: string }): Promise<string | null> {
  const [row] = await queryRows<{ id: string }>(
    db,
    sql`SELECT id FROM users WHERE lower(email) = lower(${email}) LIMIT 1`,
  );
  return row?.id ?? null;
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
 * Claims the oldest queued job whose retry time has come, or a running one whose worker stopped renewing
 * its lease, and marks its document processing (a re-ingested document stays ready: its old chunks are
 * served until completeIngest replaces them). Safe across processes and instances (FOR UPDATE SKIP
 * LOCKED): a job is held by one claim at a time, identified by the returned lease token. A job claimed
 * for the (INGEST_MAX_ATTEMPTS + 1)th time is failed with its last error instead.
 */
export async function claimNextIngestJob(args: {
  db: Executor;
  leaseMs?: number;
  maxAttempts?: number;
}): Promise<ClaimedIngestJob | null> {
  const [job] = await claimIngestJobs({ ...args, limit: 1 });
  return job ?? null;
}

/**
 * claimNextIngestJob for up to `limit` jobs at once, oldest first, as long as their documents total at
 * most `maxBytes` (the first one is always taken): small files are ingested in batches, so that 10 000
 * of them do not cost 10 000 claim and write transactions. All share one lease token.
 */
export async function claimIngestJobs({
  db,
  leaseMs = INGEST_LEASE_MS,
  maxAttempts = INGEST_MAX_ATTEMPTS,
  limit = 1,
  maxBytes = Number.POSITIVE_INFINITY,
}: {
  db: Executor;
  leaseMs?: number;
  maxAttempts?: number;
  limit?: number;
  maxBytes?: number;
}): Promise<ClaimedIngestJob[]> {
  for (;;) {
    const claimed = await db.transaction(async (tx) => {
      const lease = `${WORKER_ID}:${randomUUID()}`;
      const candidates = await queryRows<{ document_id: string; size: unknown }>(
        tx,
        sql`SELECT j.document_id, d.size FROM ingest_jobs j JOIN documents d ON d.id = j.document_id
            WHERE (j.state = 'queued' AND j.run_after <= now())
               OR (j.state = 'running' AND j.locked_at < now() - make_interval(secs => ${leaseMs / 1000}::float8))
            ORDER BY j.created_at, j.document_id
            LIMIT ${limit}
            FOR UPDATE OF j SKIP LOCKED`,
      );
      if (candidates.length === 0) return [];
      const picked: string[] = [];
      let bytes = 0;
      for (const c of candidates) {
        if (picked.length > 0 && bytes + num(c.size) > maxBytes) break;
        picked.push(c.document_id);
        bytes += num(c.size);
      }
      const jobs = await queryRows<{ document_id: string; attempts: unknown; last_error: string | null }>(
        tx,
        sql`UPDATE ingest_jobs
            SET state = 'running', attempts = attempts + 1, locked_at = now(), locked_by = ${lease}, updated_at = now()
            WHERE document_id = ANY(${uuidArray(picked)}::uuid[])
            RETURNING document_id, attempts, last_error`,
      );
      const attempts = new Map<string, number>();
      for (const job of jobs) {
        const attempt = num(job.attempts);
        if (attempt > maxAttempts) {
          await failIngest({
            db: tx,
            documentId: job.document_id,
            error:
              `ingestion was interrupted or failed ${maxAttempts} times; giving up` +
              (job.last_error ? ` (last error: ${job.last_error})` : ""),
          });
        } else attempts.set(job.document_id, attempt);
      }
      if (attempts.size === 0) return "retry" as const;
      const docs = await queryRows<{ id: string; name: string; type: string; raw: unknown; reingest: boolean }>(
        tx,
        sql`UPDATE documents
            SET status = CASE WHEN text IS NULL THEN 'processing' ELSE status END,
                error = NULL, updated_at = now()
            WHERE id = ANY(${uuidArray([...attempts.keys()])}::uuid[])
            RETURNING id, name, type, raw, text IS NOT NULL AS reingest`,
      );
      const order = new Map(picked.map((id, i) => [id, i]));
      return docs
        .sort((x, y) => order.get(x.id)! - order.get(y.id)!)
        .map((doc): ClaimedIngestJob => ({
          documentId: doc.id,
          name: doc.name,
          type: doc.type,
          raw: toBytes(doc.raw),
          lease,
          attempt: attempts.get(doc.id)!,
          reingest: Boolean(doc.reingest),
        }));
    });
    if (claimed !== "retry") return claimed;
  }
}

// A uuid[] parameter in array-literal form (works the same on both drivers); ids are uuids, so no quoting.
const uuidArray = (ids: string[]) => `{${ids.join(",")}}`;

// bytea read through raw SQL: PGlite gives a Uint8Array, postgres.js a Buffer (both Uint8Array).
function toBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  throw new Error(`unexpected bytea value of type ${typeof value}`);
}

/** Jobs not finished yet (queued, waiting for a retry, or running here or elsewhere). */
export async function countPendingIngestJobs({ db }: { db: Executor }): Promise<number> {
  const [row] = await queryRows<{ n: unknown }>(db, sql`SELECT count(*) AS n FROM ingest_jobs`);
  return num(row.n);
}

/** Puts back every running job; only for a database this process holds exclusively (PGlite). */
export async function requeueOrphanedIngestJobs({ db }: { db: Executor }): Promise<number> {
  return db.transaction(async (tx) => {
    const jobs = await tx
      .update(ingestJobs)
      .set({ state: "queued", lockedAt: null, lockedBy: null, runAfter: sql`now()`, updatedAt: sql`now()` })
      .where(eq(ingestJobs.state, "running"))
      .returning({ documentId: ingestJobs.documentId });
    for (const { documentId } of jobs) {
      // A re-ingested document keeps serving its ready version.
      await tx
        .update(documents)
        .set({ status: "queued", updatedAt: sql`now()` })
        .where(and(eq(documents.id, documentId), isNull(documents.text)));
    }
    return jobs.length;
  });
}

/**
 * Renews the lease of the jobs one claim holds (a heartbeat during long embeddings). False when none is
 * held any more (it expired and another worker claimed them, or the documents were deleted).
 */
export async function renewIngestLease({
  db,
  lease,
}: {
  db: Executor;
  documentId?: string;
  lease: string;
}): Promise<boolean> {
  const rows = await db
    .update(ingestJobs)
    .set({ lockedAt: sql`now()`, updatedAt: sql`now()` })
    .where(and(eq(ingestJobs.lockedBy, lease), eq(ingestJobs.state, "running")))
    .returning({ documentId: ingestJobs.documentId });
  return rows.length > 0;
}

/**
 * Puts a failed attempt back in the queue, claimable again after `delayMs` (the runner's exponential
 * backoff), keeping its error for the final message. False when the lease was lost.
 */
export async function retryIngest({
  db,
  documentId,
  lease,
  error,
  delayMs,
}: {
  db: Executor;
  documentId: string;
  lease: string;
  error: string;
  delayMs: number;
}): Promise<boolean> {
  return db.transaction(async (tx) => {
    const rows = await tx
      .update(ingestJobs)
      .set({
        state: "queued",
        lockedAt: null,
        lockedBy: null,
        lastError: error,
        runAfter: sql`now() + make_interval(secs => ${delayMs / 1000}::float8)`,
        updatedAt: sql`now()`,
      })
      .where(and(eq(ingestJobs.documentId, documentId), eq(ingestJobs.lockedBy, lease)))
      .returning({ documentId: ingestJobs.documentId });
    if (rows.length === 0) return false;
    await tx.execute(
      sql`UPDATE documents SET status = CASE WHEN text IS NULL THEN 'queued' ELSE status END,
            progress_stage = 'retrying', updated_at = now()
          WHERE id = ${documentId}`,
    );
    return true;
  });
}

/**
 * Queues the owner's document for ingestion again from its stored bytes (the chunker or the model
 * changed, or it failed). A ready document stays ready and searchable with its old chunks until the new
 * ones replace them in one transaction (completeIngest). null: no such document of theirs; "queued": a
 * job was already pending or running for it.
 */
export async function requeueDocument({
  db,
  id,
  ownerId = LOCAL_USER_ID,
}: {
  db: Executor;
  id: string;
  ownerId?: string;
}): Promise<"requeued" | "queued" | null> {
  return db.transaction(async (tx) => {
    const [doc] = await queryRows<{ id: string }>(
      tx,
      sql`SELECT id FROM documents WHERE id = ${id} AND owner_id = ${ownerId} FOR UPDATE`,
    );
    if (!doc) return null;
    const inserted = await tx
      .insert(ingestJobs)
      .values({ documentId: id, state: "queued" })
      .onConflictDoNothing()
      .returning({ documentId: ingestJobs.documentId });
    if (inserted.length === 0) return "queued" as const;
    await tx.execute(
      sql`UPDATE documents SET status = CASE WHEN text IS NULL THEN 'queued' ELSE status END,
            error = NULL, progress_stage = 'queued', progress_done = 0, progress_total = 0, updated_at = now()
          WHERE id = ${id}`,
    );
    return "requeued" as const;
  });
}

/** Records progress and renews the job's lease. */
export async function updateIngestProgress({
  db,
  documentId,
  stage,
  done,
  total,
  lease,
}: {
  db: Executor;
  documentId: string;
  stage: string;
  done: number;
  total: number;
  lease?: string;
}): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .update(documents)
      .set({ progressStage: stage, progressDone: done, progressTotal: total, updatedAt: sql`now()` })
      .where(eq(documents.id, documentId));
    await tx
      .update(ingestJobs)
      .set({ lockedAt: sql`now()`, updatedAt: sql`now()` })
      .where(
        lease
          ? and(eq(ingestJobs.documentId, documentId), eq(ingestJobs.lockedBy, lease))
          : eq(ingestJobs.documentId, documentId),
      );
  });
}

const INSERT_BATCH = 200;

/**
 * Stores chunks, their BM25 postings and the parsed text, and marks the document ready, in one
 * transaction: a document is never searchable half-ingested, and a re-ingested one swaps its old chunks
 * for the new ones at commit. With `lease`, nothing is written (false) unless this claim still holds the
 * job, so a worker whose lease expired cannot overwrite the work of the one that took over.
 */
export async function completeIngest({
  db,
  documentId,
  text,
  chunks,
  lease,
}: {
  db: Executor;
  documentId: string;
  text: string;
  chunks: IngestChunk[];
  lease?: string;
}): Promise<boolean> {
  const stored = await completeIngestMany({ db, lease, documents: [{ documentId, text, chunks }] });
  return stored.length === 1;
}

/**
 * completeIngest for several documents of one claim in one transaction (a batch of small files). Returns
 * the ids stored: those whose job the lease still holds and that were not deleted meanwhile.
 */
export async function completeIngestMany({
  db,
  documents: input,
  lease,
}: {
  db: Executor;
  documents: { documentId: string; text: string; chunks: IngestChunk[] }[];
  lease?: string;
}): Promise<string[]> {
  if (input.length === 0) return [];
  const stored = await db.transaction(async (tx) => {
    const ids = uuidArray(input.map((d) => d.documentId));
    // The jobs first, then the documents, each in id order: the lock order of the claim.
    const held = lease
      ? await queryRows<{ document_id: string }>(
          tx,
          sql`SELECT document_id FROM ingest_jobs
              WHERE document_id = ANY(${ids}::uuid[]) AND locked_by = ${lease} AND state = 'running'
              ORDER BY document_id FOR UPDATE`,
        )
      : input.map((d) => ({ document_id: d.documentId }));
    if (held.length === 0) return [];
    const existing = await queryRows<{ id: string }>(
      tx,
      sql`SELECT id FROM documents WHERE id = ANY(${uuidArray(held.map((h) => h.document_id))}::uuid[])
          ORDER BY id FOR UPDATE`,
    );
    const keep = new Set(existing.map((r) => r.id)); // a deleted document is simply skipped
    const docs = input.filter((d) => keep.has(d.documentId));
    if (docs.length === 0) return [];
    const docIds = uuidArray(docs.map((d) => d.documentId));
    // Held until commit so that an embedder switch waits for this write (db/queries/embedders.ts).
    const sets = await queryRows<{ id: unknown; key: string; dimension: unknown; state: string }>(
      tx,
      sql`SELECT id, key, dimension, state FROM embedders WHERE state IN ('active', 'building') ORDER BY id FOR KEY SHARE`,
    );
    const vectorOf = (c: IngestChunk, set: (typeof sets)[number]) =>
      c.embeddings ? c.embeddings[set.key] : set.state === "active" ? c.embedding : undefined;
    for (const set of sets) {
      for (const d of docs) {
        for (const c of d.chunks) {
          const v = vectorOf(c, set);
          if (v && v.length !== num(set.dimension)) {
            throw new Error(
              `chunk ${c.position}: embedding has ${v.length} dimensions, embedder ${set.key} stores ${num(set.dimension)}`,
            );
          }
        }
      }
    }
    // The previous version (re-ingest) or an earlier attempt's rows go in this same transaction.
    await tx.execute(sql`DELETE FROM chunks WHERE document_id = ANY(${docIds}::uuid[])`);
    const rows = docs.flatMap((d) =>
      d.chunks.map((c) => {
        const lexical = lexicalTsvector(c.text);
        return {
          documentId: d.documentId,
          position: c.position,
          text: c.text,
          charStart: c.charStart,
          charEnd: c.charEnd,
          tokenCount: c.tokenCount,
          lexical,
          // The BM25 length, set on insert: a later UPDATE would write every chunk twice, and each new row
          // version costs another HNSW insertion (the slowest part of a write on PGlite).
          lexemeCount: sql`(SELECT coalesce(sum(coalesce(array_length(t.positions, 1), 1)), 0)::int
                            FROM unnest(${lexical}) AS t)`,
        };
      }),
    );
    const chunkIds: number[] = [];
    for (let i = 0; i < rows.length; i += INSERT_BATCH) {
      // RETURNING gives the rows in VALUES order.
      const inserted = await tx
        .insert(chunks)
        .values(rows.slice(i, i + INSERT_BATCH))
        .returning({ id: chunks.id });
      chunkIds.push(...inserted.map((r) => r.id));
    }
    const written = docs.flatMap((d) => d.chunks);
    for (const set of sets) {
      const vectors = written.flatMap((c, i) => {
        const embedding = vectorOf(c, set);
        return embedding ? [{ chunkId: chunkIds[i], embedding }] : [];
      });
      await insertChunkEmbeddings(tx, { id: num(set.id), dimension: num(set.dimension) }, vectors);
    }
    // The one lexical analysis both databases share: postings straight from the stored tsvector.
    await tx.execute(sql`
      INSERT INTO chunk_terms (chunk_id, term, tf, doc_len)
      SELECT id, lexeme, tf, sum(tf) OVER (PARTITION BY id)
      FROM (SELECT c.id, t.lexeme, coalesce(array_length(t.positions, 1), 1) AS tf
            FROM chunks c, unnest(c.lexical) AS t
            WHERE c.document_id = ANY(${docIds}::uuid[])) p`);
    // jsonb refuses lone surrogates, which a text parameter would have stored as U+FFFD anyway.
    const ready = JSON.stringify(
      docs.map((d) => ({ id: d.documentId, text: d.text.toWellFormed(), n: d.chunks.length })),
    );
    await tx.execute(sql`
      UPDATE documents d
      SET status = 'ready', error = NULL, text = v.text, progress_stage = 'ready', progress_done = v.n,
          progress_total = v.n, updated_at = now()
      FROM jsonb_to_recordset(${ready}::jsonb) AS v(id uuid, text text, n int)
      WHERE d.id = v.id`);
    await tx.execute(sql`DELETE FROM ingest_jobs WHERE document_id = ANY(${docIds}::uuid[])`);
    return docs.map((d) => d.documentId);
  });
  if (stored.length > 0) await refreshPlannerStats({ db }).catch(() => {}); // committed; stale statistics only cost speed
  return stored;
}

async function holdsLease(tx: Executor, documentId: string, lease: string): Promise<boolean> {
  const rows = await queryRows<{ document_id: string }>(
    tx,
    sql`SELECT document_id FROM ingest_jobs
        WHERE document_id = ${documentId} AND locked_by = ${lease} AND state = 'running' FOR UPDATE`,
  );
  return rows.length > 0;
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

/**
 * Fails a document for good with the reason. A re-ingested document keeps its ready version (and says
 * why the new one failed). With `lease`, nothing happens (false) unless this claim still holds the job.
 */
export async function failIngest({
  db,
  documentId,
  error,
  lease,
}: {
  db: Executor;
  documentId: string;
  error: string;
  lease?: string;
}): Promise<boolean> {
  return db.transaction(async (tx) => {
    if (lease && !(await holdsLease(tx, documentId, lease))) return false;
    await tx.execute(
      sql`UPDATE documents
          SET status = CASE WHEN text IS NULL THEN 'failed' ELSE status END,
              error = CASE WHEN text IS NULL THEN ${error} ELSE ${`Re-ingestion failed; the previous version is kept: ${error}`} END,
              progress_stage = CASE WHEN text IS NULL THEN 'failed' ELSE 'ready' END,
              updated_at = now()
          WHERE id = ${documentId}`,
    );
    await tx.delete(ingestJobs).where(eq(ingestJobs.documentId, documentId));
    return true;
  });
}
