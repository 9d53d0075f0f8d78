import type { RerankResponse } from "@/lib/models/types";
import { isBatching, type LoadedReranker, type PreparedRerank } from "./types";

// Dynamic batching: requests that arrive while the model is busy, or within `maxWaitMs` of the first
// waiting one, go to the model together, up to `batchTokens` (query + passage word tokens over all
// pairs; a single larger request runs alone). A request never waits for others longer than
// `maxWaitMs`; it may wait longer only for the model to finish the batch before it. The queue holds at
// most `queueLimit` pairs; beyond that submit() throws QueueFullError (the server answers 503).

export interface BatcherOptions {
  maxWaitMs: number;
  batchTokens: number;
  queueLimit: number;
  /** Called after each model call: pairs, requests, seconds each request waited, seconds of compute. */
  onBatch?: (stats: { pairs: number; requests: number; tokens: number; waitMs: number[]; computeMs: number }) => void;
  onDepth?: (requests: number, pairs: number) => void;
}

export class QueueFullError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super("reranker queue is full, try again later");
  }
}

export interface BatchResult {
  value: RerankResponse;
  queueMs: number;
  computeMs: number;
  /** Requests in the model call that answered this one. */
  batchRequests: number;
}

interface Pending {
  prep: PreparedRerank;
  enqueued: number;
  resolve(r: BatchResult): void;
  reject(e: unknown): void;
}

export class Batcher {
  private queue: Pending[] = [];
  private queuedPairs = 0;
  private queuedTokens = 0;
  private busy = false;
  private timer: NodeJS.Timeout | null = null;
  private idleWaiters: (() => void)[] = [];
  private computeEstimateMs = 5;
  /** Model calls so far (a batch of several requests counts once). */
  modelCalls = 0;

  constructor(
    private readonly model: LoadedReranker,
    private readonly options: BatcherOptions,
  ) {}

  /** Requests waiting or running. */
  get depth(): number {
    return this.queue.length + (this.busy ? 1 : 0);
  }

  submit(prep: PreparedRerank): Promise<BatchResult> {
    if (this.queue.length > 0 && this.queuedPairs + prep.pairs > this.options.queueLimit) {
      const seconds = Math.max(1, Math.ceil((this.computeEstimateMs * (1 + this.queue.length)) / 1000));
      throw new QueueFullError(seconds);
    }
    return new Promise<BatchResult>((resolve, reject) => {
      this.queue.push({ prep, enqueued: performance.now(), resolve, reject });
      this.queuedPairs += prep.pairs;
      this.queuedTokens += prep.tokens;
      this.reportDepth();
      this.schedule();
    });
  }

  /** Resolves once nothing is queued or running. */
  drain(): Promise<void> {
    if (!this.busy && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private reportDepth() {
    this.options.onDepth?.(this.depth, this.queuedPairs);
  }

  private schedule() {
    if (this.busy || this.queue.length === 0) {
      if (!this.busy && this.queue.length === 0) for (const w of this.idleWaiters.splice(0)) w();
      return;
    }
    const waited = performance.now() - this.queue[0].enqueued;
    if (this.queuedTokens >= this.options.batchTokens || waited >= this.options.maxWaitMs) {
      void this.flush();
      return;
    }
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        if (!this.busy) void this.flush();
      }, this.options.maxWaitMs - waited);
    }
  }

  private async flush() {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch: Pending[] = [];
    let tokens = 0;
    while (this.queue.length) {
      const next = this.queue[0];
      if (batch.length > 0 && tokens + next.prep.tokens > this.options.batchTokens) break;
      batch.push(this.queue.shift()!);
      tokens += next.prep.tokens;
      this.queuedPairs -= next.prep.pairs;
      this.queuedTokens -= next.prep.tokens;
    }
    if (!batch.length) return;
    this.busy = true;
    this.reportDepth();
    try {
      await this.run(batch, tokens);
    } finally {
      this.busy = false;
      this.reportDepth();
      this.schedule();
    }
  }

  private async run(batch: Pending[], tokens: number) {
    const model = this.model;
    if (isBatching(model)) {
      const started = performance.now();
      this.modelCalls++;
      try {
        const values = await model.rerankMany(batch.map((p) => p.prep));
        const computeMs = performance.now() - started;
        this.computeEstimateMs = computeMs;
        batch.forEach((p, i) =>
          p.resolve({ value: values[i], queueMs: started - p.enqueued, computeMs, batchRequests: batch.length }),
        );
        this.options.onBatch?.({
          pairs: batch.reduce((n, p) => n + p.prep.pairs, 0),
          requests: batch.length,
          tokens,
          waitMs: batch.map((p) => started - p.enqueued),
          computeMs,
        });
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
      return;
    }
    // A model without rerankMany: one call per request, in order, within this batch tick.
    for (const p of batch) {
      const started = performance.now();
      this.modelCalls++;
      try {
        const value = await model.rerank(p.prep.request);
        const computeMs = performance.now() - started;
        this.computeEstimateMs = computeMs;
        p.resolve({ value, queueMs: started - p.enqueued, computeMs, batchRequests: 1 });
        this.options.onBatch?.({
          pairs: p.prep.pairs,
          requests: 1,
          tokens: p.prep.tokens,
          waitMs: [started - p.enqueued],
          computeMs,
        });
      } catch (error) {
        p.reject(error);
      }
    }
  }
}
