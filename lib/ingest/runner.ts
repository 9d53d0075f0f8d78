import type { Db } from "@/db";
import { INGEST_LEASE_MS, INGEST_MAX_ATTEMPTS, type ClaimedIngestJob, type IngestChunk } from "@/db/queries/documents";
import { env } from "@/lib/env";
import { errorMessage, IngestError } from "@/lib/errors";
import type { Embedder } from "@/lib/models/types";
import { ingestDocument, type IngestStage, type IngestTimings } from "./pipeline";

// In-process ingest runner for the web app. Jobs are durable rows (claimed with claimNextIngestJob), so
// the runner only has to loop: claim one, process it, repeat until none is left, then sleep until
// poked (after an upload) or until the periodic sweep picks up stale work. Starting it resumes what is
// queued; jobs a dead process left running come back through their lease (PostgreSQL) or are requeued
// when the database is opened (PGlite, db/index.ts). A claim holds a lease token; a heartbeat renews it
// while a long document embeds, and a worker that lost it (expired, taken over) writes nothing. A failed
// attempt is retried with exponential backoff up to INGEST_MAX_ATTEMPTS, except for errors in the
// document itself (IngestError: unsupported, corrupt), which fail at once.
//
// Its state lives on globalThis: Next.js bundles instrumentation.ts and the route handlers separately,
// so a module-level variable would give the upload route a runner that was never started.

export type IngestJob = ClaimedIngestJob;
export type IngestChunkRow = IngestChunk;

/** The query functions the runner needs (db/queries/documents.ts); injectable for tests. */
export interface IngestQueries {
  claimNextIngestJob(args: { db: Db; leaseMs?: number; maxAttempts?: number }): Promise<IngestJob | null>;
  updateIngestProgress(args: {
    db: Db;
    documentId: string;
    stage: string;
    done: number;
    total: number;
    lease?: string;
  }): Promise<unknown>;
  /** false: the lease was lost and nothing was stored. */
  completeIngest(args: {
    db: Db;
    documentId: string;
    text: string;
    chunks: IngestChunkRow[];
    lease?: string;
  }): Promise<boolean | void>;
  failIngest(args: { db: Db; documentId: string; error: string; lease?: string }): Promise<unknown>;
  renewIngestLease?(args: { db: Db; lease: string }): Promise<boolean>;
  /** Batches of small documents: several jobs per claim and per write transaction. */
  claimIngestJobs?(args: {
    db: Db;
    leaseMs?: number;
    maxAttempts?: number;
    limit?: number;
    maxBytes?: number;
  }): Promise<IngestJob[]>;
  completeIngestMany?(args: {
    db: Db;
    lease?: string;
    documents: { documentId: string; text: string; chunks: IngestChunkRow[] }[];
  }): Promise<string[]>;
  retryIngest?(args: { db: Db; documentId: string; lease: string; error: string; delayMs: number }): Promise<unknown>;
}

/** What one finished job cost, per stage (benchmarks, logs). */
export interface IngestJobReport {
  documentId: string;
  name: string;
  bytes: number;
  chunks: number;
  outcome: "ready" | "retry" | "failed" | "lost";
  error?: string;
  timings: IngestTimings & { writeMs: number };
}

export interface IngestRunnerDeps {
  getDb: () => Promise<Db>;
  getEmbedder: () => Promise<Embedder>;
  /**
   * The embedders whose vectors to store, each bound to its vector set (EmbedderSet.forIngest: during an
   * embedder switch, the serving and the new one); when given, used instead of getEmbedder.
   */
  getEmbedders?: () => Promise<Embedder[]>;
  queries?: IngestQueries;
  chunking?: { size: number; overlap: number };
  /** How often to look for work nobody poked about (stale jobs, other instances). 0 disables. */
  sweepMs?: number;
  /** Wait after the database itself failed before trying again. */
  retryMs?: number;
  /** A claim not renewed for this long is taken over by another worker; renewed every leaseMs / 4. */
  leaseMs?: number;
  maxAttempts?: number;
  /** Retry n waits min(maxMs, baseMs · 2^(n-1)), ±20 % jitter. */
  backoff?: { baseMs: number; maxMs: number };
  /** Progress rows are written at most this often per job (a small document writes none). */
  progressMs?: number;
  /** Jobs claimed (and written) together, up to this many documents and this many bytes. */
  batch?: { maxJobs: number; maxBytes: number };
  /** Called after each job (benchmarks, the CLI). */
  onJob?: (report: IngestJobReport) => void;
  log?: Pick<Console, "info" | "warn" | "error">;
}

interface RunnerState {
  deps: Required<Omit<IngestRunnerDeps, "queries" | "onJob" | "getEmbedders">> &
    Pick<IngestRunnerDeps, "queries" | "onJob" | "getEmbedders">;
  running: boolean;
  pending: boolean;
  stopped: boolean;
  idle: Promise<void>;
  timer: ReturnType<typeof setInterval> | null;
  retry: ReturnType<typeof setTimeout> | null;
  wakeups: Set<ReturnType<typeof setTimeout>>;
}

export interface IngestRunner {
  poke(): void;
  /** Resolves when the runner has no work in hand (tests, scripts). */
  whenIdle(): Promise<void>;
  stop(): Promise<void>;
}

const KEY = Symbol.for("ranklens.ingest-runner");
type Holder = typeof globalThis & { [KEY]?: RunnerState };

export function startIngestRunner(deps: IngestRunnerDeps): IngestRunner {
  const holder = globalThis as Holder;
  let state = holder[KEY];
  if (!state || state.stopped) {
    state = {
      deps: {
        chunking: { size: env.CHUNK_SIZE, overlap: env.CHUNK_OVERLAP },
        sweepMs: 30_000,
        retryMs: 5_000,
        leaseMs: INGEST_LEASE_MS,
        maxAttempts: INGEST_MAX_ATTEMPTS,
        backoff: { baseMs: 2_000, maxMs: 5 * 60_000 },
        progressMs: 500,
        batch: { maxJobs: 32, maxBytes: 512 * 1024 },
        log: console,
        ...deps,
      },
      running: false,
      pending: false,
      stopped: false,
      idle: Promise.resolve(),
      timer: null,
      retry: null,
      wakeups: new Set(),
    };
    holder[KEY] = state;
    const s = state;
    if (s.deps.sweepMs > 0) {
      s.timer = setInterval(() => poke(s), s.deps.sweepMs);
      s.timer.unref?.();
    }
  }
  // Starting resumes whatever is queued or was left processing by a previous process.
  poke(state);
  return handle(state);
}

/** Wake the runner after new work was stored. False when no runner was started in this process. */
export function pokeIngestRunner(): boolean {
  const state = (globalThis as Holder)[KEY];
  if (!state || state.stopped) return false;
  poke(state);
  return true;
}

function handle(state: RunnerState): IngestRunner {
  return {
    poke: () => poke(state),
    whenIdle: async () => {
      while ((state.running || state.pending) && !state.stopped) await state.idle;
    },
    stop: async () => {
      state.stopped = true;
      if (state.timer) clearInterval(state.timer);
      if (state.retry) clearTimeout(state.retry);
      for (const t of state.wakeups) clearTimeout(t);
      state.wakeups.clear();
      await state.idle;
      const holder = globalThis as Holder;
      if (holder[KEY] === state) delete holder[KEY];
    },
  };
}

function poke(state: RunnerState) {
  if (state.stopped) return;
  state.pending = true;
  if (!state.running) state.idle = loop(state);
}

async function loop(state: RunnerState): Promise<void> {
  state.running = true;
  try {
    while (state.pending && !state.stopped) {
      state.pending = false;
      const db = await state.deps.getDb();
      const queries = state.deps.queries ?? (await defaultQueries());
      for (;;) {
        if (state.stopped) return;
        const claim = { db, leaseMs: state.deps.leaseMs, maxAttempts: state.deps.maxAttempts };
        const { maxJobs, maxBytes } = state.deps.batch;
        const jobs = queries.claimIngestJobs
          ? await queries.claimIngestJobs({ ...claim, limit: maxJobs, maxBytes })
          : [await queries.claimNextIngestJob(claim)].filter((j): j is IngestJob => j !== null);
        if (jobs.length === 0) break;
        await processBatch(state, db, queries, jobs);
      }
    }
  } catch (error) {
    // The database (not a document) failed: keep the jobs and try again later.
    state.deps.log.error(`[ingest] runner error, retrying in ${state.deps.retryMs} ms: ${errorMessage(error)}`);
    if (!state.stopped && !state.retry) {
      state.retry = setTimeout(() => {
        state.retry = null;
        poke(state);
      }, state.deps.retryMs);
      state.retry.unref?.();
    }
  } finally {
    state.running = false;
  }
}

/** Thrown into the pipeline when the heartbeat finds the lease gone: stop, someone else owns the job. */
class LeaseLostError extends Error {}

type Prepared = { job: IngestJob; text: string; chunks: IngestChunkRow[]; timings: IngestTimings; started: number };

/**
 * Parses, chunks and embeds each claimed job, then writes the ones that succeeded in one transaction
 * (completeIngestMany) when there are several; failures are retried or failed one by one.
 */
async function processBatch(state: RunnerState, db: Db, queries: IngestQueries, jobs: IngestJob[]) {
  const { log, leaseMs } = state.deps;
  // The heartbeat: a long embedding (or a slow batch) must not let the lease expire.
  const lost = new Set<string>();
  const leases = [...new Set(jobs.map((j) => j.lease).filter((l): l is string => Boolean(l)))];
  const heartbeat =
    leases.length > 0 && queries.renewIngestLease
      ? setInterval(
          () => {
            for (const lease of leases) {
              queries.renewIngestLease!({ db, lease })
                .then((held) => {
                  if (!held) lost.add(lease);
                })
                .catch((error: unknown) => log.warn(`[ingest] lease renewal failed: ${errorMessage(error)}`));
            }
          },
          Math.max(50, Math.floor(leaseMs / 4)),
        )
      : null;
  heartbeat?.unref?.();
  try {
    const prepared: Prepared[] = [];
    for (const job of jobs) {
      if (state.stopped) return; // the claim's lease runs out and another worker (or a restart) takes it
      const ok = await prepareJob(state, db, queries, job, lost);
      if (ok) prepared.push(ok);
    }
    if (prepared.length === 0) return;
    if (prepared.length > 1 && queries.completeIngestMany) {
      const writeStarted = Date.now();
      try {
        const stored = new Set(
          await queries.completeIngestMany({
            db,
            lease: prepared[0].job.lease,
            documents: prepared.map((p) => ({ documentId: p.job.documentId, text: p.text, chunks: p.chunks })),
          }),
        );
        const writeMs = Date.now() - writeStarted;
        const totalChunks = prepared.reduce((n, p) => n + p.chunks.length, 0) || 1;
        for (const p of prepared) {
          // The batch's write time, shared out by chunk count.
          const share = (writeMs * (p.chunks.length || 1)) / totalChunks;
          if (stored.has(p.job.documentId)) finished(state, p, share);
          else report(state, p.job, "lost", { chunks: p.chunks.length, timings: p.timings, writeMs: share });
        }
        return;
      } catch (error) {
        // One bad document must not sink the batch: write them one by one instead.
        log.warn(`[ingest] batch write failed, writing one by one: ${errorMessage(error)}`);
      }
    }
    for (const p of prepared) await writeJob(state, db, queries, p);
  } finally {
    if (heartbeat) clearInterval(heartbeat);
  }
}

function report(
  state: RunnerState,
  job: IngestJob,
  outcome: IngestJobReport["outcome"],
  extra: { chunks?: number; timings?: IngestTimings; writeMs?: number; error?: string } = {},
) {
  state.deps.onJob?.({
    documentId: job.documentId,
    name: job.name,
    bytes: job.raw.byteLength,
    chunks: extra.chunks ?? 0,
    outcome,
    error: extra.error,
    timings: { ...(extra.timings ?? { parseMs: 0, chunkMs: 0, embedMs: 0 }), writeMs: extra.writeMs ?? 0 },
  });
}

function finished(state: RunnerState, p: Prepared, writeMs: number) {
  const n = p.chunks.length;
  // The document id makes the line a record of which instance finished which job (the scale-out test).
  state.deps.log.info(
    `[ingest] ${p.job.name} (${p.job.documentId}): ready, ${n} chunk${n === 1 ? "" : "s"} in ${Date.now() - p.started} ms`,
  );
  report(state, p.job, "ready", { chunks: n, timings: p.timings, writeMs });
}

async function prepareJob(
  state: RunnerState,
  db: Db,
  queries: IngestQueries,
  job: IngestJob,
  lost: Set<string>,
): Promise<Prepared | null> {
  const { documentId, lease } = job;
  const { chunking, progressMs } = state.deps;
  let stage: IngestStage = "parse";
  const started = Date.now();
  try {
    let lastWrite = Date.now();
    const progress = async (p: { stage: IngestStage; done: number; total: number }) => {
      stage = p.stage;
      if (lease && lost.has(lease)) throw new LeaseLostError();
      // Throttled: 10 000 small files must not cost 50 000 progress transactions.
      if (Date.now() - lastWrite < progressMs) return;
      lastWrite = Date.now();
      await queries.updateIngestProgress({ db, documentId, ...p, lease });
    };
    const { getEmbedder, getEmbedders } = state.deps;
    const [embedder, ...moreEmbedders] = await (getEmbedders ? getEmbedders() : getEmbedder().then((e) => [e])).catch(
      (error: unknown) => {
        throw new IngestError(`The embedding model could not be loaded: ${errorMessage(error)}`);
      },
    );
    const result = await ingestDocument({
      name: job.name,
      type: job.type,
      bytes: job.raw,
      chunking,
      embedder,
      moreEmbedders,
      onProgress: progress,
    });
    await progress({ stage: "store", done: 0, total: result.chunks.length });
    const sets = [embedder, ...moreEmbedders].map((e) => e.vectorSet?.key);
    const chunks = sets.every((key) => key !== undefined)
      ? result.chunks.map((c) => ({
          ...c,
          embeddings: Object.fromEntries(sets.map((key, i) => [key, i === 0 ? c.embedding : c.moreEmbeddings![i - 1]])),
        }))
      : result.chunks;
    return { job, text: result.text, chunks, timings: result.timings, started };
  } catch (error) {
    await jobFailed(state, db, queries, job, error, stage);
    return null;
  }
}

async function writeJob(state: RunnerState, db: Db, queries: IngestQueries, p: Prepared) {
  const { job } = p;
  const writeStarted = Date.now();
  try {
    const stored = await queries.completeIngest({
      db,
      documentId: job.documentId,
      text: p.text,
      chunks: p.chunks,
      lease: job.lease,
    });
    if (stored === false) throw new LeaseLostError();
    finished(state, p, Date.now() - writeStarted);
  } catch (error) {
    await jobFailed(state, db, queries, job, error, "store", p);
  }
}

/** A lost lease is left alone; a document's own fault fails it; anything else is retried with backoff. */
async function jobFailed(
  state: RunnerState,
  db: Db,
  queries: IngestQueries,
  job: IngestJob,
  error: unknown,
  stage: IngestStage,
  p?: Prepared,
) {
  const { log } = state.deps;
  const { documentId, lease } = job;
  const facts = { chunks: p?.chunks.length, timings: p?.timings };
  if (error instanceof LeaseLostError) {
    log.warn(`[ingest] ${job.name} (${documentId}): lease lost to another worker; leaving it to them`);
    report(state, job, "lost", facts);
    return;
  }
  const message =
    error instanceof IngestError
      ? error.message
      : `Ingestion failed while ${STAGE_VERB[stage]}: ${errorMessage(error)}`;
  const attempt = job.attempt ?? 1;
  const retry = !(error instanceof IngestError) && lease && queries.retryIngest && attempt < state.deps.maxAttempts;
  try {
    if (retry) {
      const delayMs = backoffMs(state.deps.backoff, attempt);
      log.warn(`[ingest] ${job.name} (${documentId}) attempt ${attempt} failed, retrying in ${delayMs} ms: ${message}`);
      await queries.retryIngest!({ db, documentId, lease, error: message, delayMs });
      wakeAfter(state, delayMs);
      report(state, job, "retry", { ...facts, error: message });
    } else {
      const final = attempt > 1 ? `${message} (after ${attempt} attempts)` : message;
      log.warn(`[ingest] ${job.name} (${documentId}) failed: ${final}`);
      await queries.failIngest({ db, documentId, error: final, lease });
      report(state, job, "failed", { ...facts, error: final });
    }
  } catch (failError) {
    log.error(`[ingest] could not record the failure of ${documentId}: ${errorMessage(failError)}`);
  }
}

/** Exponential backoff with jitter, so that instances retrying together spread out. */
export function backoffMs({ baseMs, maxMs }: { baseMs: number; maxMs: number }, attempt: number, random = Math.random) {
  const raw = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(raw * (0.8 + 0.4 * random()));
}

function wakeAfter(state: RunnerState, delayMs: number) {
  const t = setTimeout(() => {
    state.wakeups.delete(t);
    poke(state);
  }, delayMs + 10);
  t.unref?.();
  state.wakeups.add(t);
}

const STAGE_VERB: Record<IngestStage, string> = {
  parse: "parsing",
  chunk: "chunking",
  embed: "embedding",
  store: "storing",
};

async function defaultQueries(): Promise<IngestQueries> {
  return import("@/db/queries/documents");
}
