import type { Db } from "@/db";
import type { ClaimedIngestJob, IngestChunk } from "@/db/queries/documents";
import { env } from "@/lib/env";
import { errorMessage, IngestError } from "@/lib/errors";
import type { Embedder } from "@/lib/models/types";
import { ingestDocument, type IngestStage } from "./pipeline";

// In-process ingest runner for the web app. Jobs are durable rows (claimed with claimNextIngestJob), so
// the runner only has to loop: claim one, process it, repeat until none is left, then sleep until
// poked (after an upload) or until the periodic sweep picks up stale work. Starting it resumes what is
// queued; jobs a dead process left running come back through their lease (PostgreSQL) or are requeued
// when the database is opened (PGlite, db/index.ts).
//
// Its state lives on globalThis: Next.js bundles instrumentation.ts and the route handlers separately,
// so a module-level variable would give the upload route a runner that was never started.

export type IngestJob = ClaimedIngestJob;
export type IngestChunkRow = IngestChunk;

/** The query functions the runner needs (db/queries/documents.ts); injectable for tests. */
export interface IngestQueries {
  claimNextIngestJob(args: { db: Db }): Promise<IngestJob | null>;
  updateIngestProgress(args: {
    db: Db;
    documentId: string;
    stage: string;
    done: number;
    total: number;
  }): Promise<unknown>;
  completeIngest(args: { db: Db; documentId: string; text: string; chunks: IngestChunkRow[] }): Promise<unknown>;
  failIngest(args: { db: Db; documentId: string; error: string }): Promise<unknown>;
}

export interface IngestRunnerDeps {
  getDb: () => Promise<Db>;
  getEmbedder: () => Promise<Embedder>;
  queries?: IngestQueries;
  chunking?: { size: number; overlap: number };
  /** How often to look for work nobody poked about (stale jobs, other instances). 0 disables. */
  sweepMs?: number;
  /** Wait after the database itself failed before trying again. */
  retryMs?: number;
  log?: Pick<Console, "info" | "warn" | "error">;
}

interface RunnerState {
  deps: Required<Omit<IngestRunnerDeps, "queries">> & { queries?: IngestQueries };
  running: boolean;
  pending: boolean;
  stopped: boolean;
  idle: Promise<void>;
  timer: ReturnType<typeof setInterval> | null;
  retry: ReturnType<typeof setTimeout> | null;
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
        log: console,
        ...deps,
      },
      running: false,
      pending: false,
      stopped: false,
      idle: Promise.resolve(),
      timer: null,
      retry: null,
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
        const job = await queries.claimNextIngestJob({ db });
        if (!job) break;
        await processJob(state, db, queries, job);
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

async function processJob(state: RunnerState, db: Db, queries: IngestQueries, job: IngestJob) {
  const { documentId } = job;
  const { log, chunking } = state.deps;
  let stage: IngestStage = "parse";
  const started = Date.now();
  try {
    const progress = async (p: { stage: IngestStage; done: number; total: number }) => {
      stage = p.stage;
      await queries.updateIngestProgress({ db, documentId, ...p });
    };
    const embedder = await state.deps.getEmbedder().catch((error: unknown) => {
      throw new IngestError(`The embedding model could not be loaded: ${errorMessage(error)}`);
    });
    const { text, chunks } = await ingestDocument({
      name: job.name,
      type: job.type,
      bytes: job.raw,
      chunking,
      embedder,
      onProgress: progress,
    });
    await progress({ stage: "store", done: 0, total: chunks.length });
    await queries.completeIngest({ db, documentId, text, chunks });
    log.info(
      `[ingest] ${job.name}: ${chunks.length} chunk${chunks.length === 1 ? "" : "s"} in ${Date.now() - started} ms`,
    );
  } catch (error) {
    const message =
      error instanceof IngestError
        ? error.message
        : `Ingestion failed while ${STAGE_VERB[stage]}: ${errorMessage(error)}`;
    log.warn(`[ingest] ${job.name} (${documentId}) failed: ${message}`);
    try {
      await queries.failIngest({ db, documentId, error: message });
    } catch (failError) {
      log.error(`[ingest] could not record the failure of ${documentId}: ${errorMessage(failError)}`);
    }
  }
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
