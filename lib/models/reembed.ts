import type { Db } from "@/db";
import {
  chunksMissingEmbedding,
  claimReembedJob,
  REEMBED_LEASE_MS,
  releaseOrphanedReembedJobs,
  releaseReembedJob,
  removeRetiredEmbedders,
  storeReembedBatch,
  switchEmbedder,
} from "@/db/queries/embedders";
import { errorMessage } from "@/lib/errors";
import type { Embedder } from "./types";

// The background re-embedding job: when the configured embedder is not the one whose vectors serve,
// embed every chunk with it, batch by batch, then switch atomically (db/queries/embedders.ts
// switchEmbedder) and remove the old vectors. The job is the building embedder's row, claimed with a
// lease (SKIP LOCKED), so one process in a fleet works on it; its progress is the vectors stored, so a
// process that dies mid-way leaves nothing to redo: the next claim (after the lease, or at once on
// PGlite, which only this process opens) continues with the chunks still missing.

export interface ReembedRunnerDeps {
  getDb: () => Promise<Db>;
  /** The configured embedder bound to the building vectors (EmbedderSet.target), or null. */
  getTarget: () => Promise<Embedder | null>;
  batchSize?: number;
  leaseMs?: number;
  /** How often to look for a job nobody poked about (another instance's lease ran out). 0 disables. */
  sweepMs?: number;
  /** Wait before trying again after the model or the database failed. */
  retryMs?: number;
  /** After each stored batch (tests, logs). */
  onBatch?: (batch: { embedderId: number; chunks: number }) => void;
  onSwitch?: (embedderId: number) => void;
  log?: Pick<Console, "info" | "warn" | "error">;
}

export interface ReembedRunner {
  poke(): void;
  /** Resolves when the runner has nothing in hand. */
  whenIdle(): Promise<void>;
  stop(): Promise<void>;
}

export const REEMBED_BATCH_SIZE = 64;

export function startReembedRunner(deps: ReembedRunnerDeps): ReembedRunner {
  const {
    batchSize = REEMBED_BATCH_SIZE,
    leaseMs = REEMBED_LEASE_MS,
    sweepMs = 30_000,
    retryMs = 10_000,
    log = console,
  } = deps;
  let running = false;
  let pending = false;
  let stopped = false;
  let idle: Promise<void> = Promise.resolve();
  let retry: ReturnType<typeof setTimeout> | null = null;
  let firstRun = true;
  const timer = sweepMs > 0 ? setInterval(() => poke(), sweepMs) : null;
  timer?.unref?.();

  function poke() {
    if (stopped) return;
    pending = true;
    if (!running) idle = loop();
  }

  async function loop() {
    running = true;
    try {
      while (pending && !stopped) {
        pending = false;
        const db = await deps.getDb();
        if (firstRun) {
          firstRun = false;
          // Only this process opens a PGlite directory: a lease held now was left by a dead process.
          if (db.$driver === "pglite") await releaseOrphanedReembedJobs({ db });
          await removeRetiredEmbedders({ db }); // a switch whose clean-up was interrupted
        }
        await runJob(db);
      }
    } catch (error) {
      log.error(`[reembed] ${errorMessage(error)}; retrying in ${retryMs} ms`);
      if (!stopped && !retry) {
        retry = setTimeout(() => {
          retry = null;
          poke();
        }, retryMs);
        retry.unref?.();
      }
    } finally {
      running = false;
    }
  }

  async function runJob(db: Db) {
    const target = await deps.getTarget();
    if (!target?.vectorSet) return;
    const claim = await claimReembedJob({ db, leaseMs });
    if (!claim) return;
    const { embedder, lease } = claim;
    if (embedder.id !== target.vectorSet.id) {
      await releaseReembedJob({ db, lease }); // built for another instance's configuration
      return;
    }
    log.info(`[reembed] re-embedding the corpus with ${embedder.key}`);
    let afterId = 0;
    try {
      for (;;) {
        if (stopped) {
          await releaseReembedJob({ db, lease });
          return;
        }
        const batch = await chunksMissingEmbedding({ db, embedderId: embedder.id, afterId, limit: batchSize });
        if (batch.length === 0) {
          const outcome = await switchEmbedder({ db, embedderId: embedder.id, lease });
          if (outcome === "incomplete") {
            afterId = 0; // chunks an ingest committed behind this pass
            continue;
          }
          if (outcome === "switched") {
            const removed = await removeRetiredEmbedders({ db });
            log.info(`[reembed] ${embedder.key} now serves; removed ${removed} old embedder's vectors`);
            deps.onSwitch?.(embedder.id);
          }
          return;
        }
        const vectors = await target.embed(
          batch.map((c) => c.text),
          { kind: "passage" },
        );
        if (vectors.length !== batch.length) {
          throw new Error(`embedder returned ${vectors.length} vectors for ${batch.length} passages`);
        }
        const held = await storeReembedBatch({
          db,
          embedderId: embedder.id,
          lease,
          vectors: batch.map((c, i) => ({ chunkId: c.chunkId, embedding: vectors[i] })),
        });
        if (!held) {
          log.warn(`[reembed] lease on ${embedder.key} lost to another process; leaving it to them`);
          return;
        }
        deps.onBatch?.({ embedderId: embedder.id, chunks: batch.length });
        afterId = batch[batch.length - 1].chunkId;
      }
    } catch (error) {
      await releaseReembedJob({ db, lease, error: errorMessage(error) }).catch(() => {});
      throw error;
    }
  }

  poke();
  return {
    poke,
    whenIdle: async () => {
      while ((running || pending) && !stopped) await idle;
    },
    stop: async () => {
      stopped = true;
      if (timer) clearInterval(timer);
      if (retry) clearTimeout(retry);
      await idle;
    },
  };
}
