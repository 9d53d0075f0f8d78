import type { RerankRequest, RerankResponse } from "@/lib/models/types";
import type { BatchingReranker, LoadedReranker, PreparedRerank } from "./types";

// Test double for the worker: scores candidates by the share of query words they contain. Never the
// default; worker/index.ts always loads the real model.

export interface MockRerankerOptions {
  /** Milliseconds each rerank call takes (to exercise the queue). */
  delayMs?: number;
  /** Milliseconds warm-up takes. */
  warmUpMs?: number;
  /** Make warm-up fail with this message. */
  warmUpError?: string;
  executionProvider?: string;
}

/**
 * The test double with batching: prepare() counts word tokens (capped at 512 per pair) and
 * rerankMany() scores a whole batch in one call (`batches` records each call's request count).
 */
export function createBatchingMockReranker(
  options: MockRerankerOptions = {},
): BatchingReranker & { calls: RerankRequest[]; batches: number[]; warmUps: number } {
  const base = createMockReranker(options);
  const self = Object.assign(base, {
    batches: [] as number[],
    prepare(request: RerankRequest): PreparedRerank {
      const q = words(request.query).length;
      const tokens = request.candidates.reduce((n, c) => n + Math.min(512, q + words(c.text).length), 0);
      return { request, pairs: request.candidates.length, tokens, truncatedTokens: 0 };
    },
    async rerankMany(batch: PreparedRerank[]): Promise<RerankResponse[]> {
      self.batches.push(batch.length);
      if (options.delayMs) await sleep(options.delayMs);
      return batch.map((p) => score(p.request, base.info, options.delayMs ?? 0));
    },
  });
  return self;
}

function score(request: RerankRequest, info: { id: string; version: string }, computeMs: number): RerankResponse {
  const q = new Set(words(request.query));
  const scored = request.candidates.map((c, index) => {
    const w = words(c.text);
    const hits = w.filter((x) => q.has(x)).length;
    const rawScore = w.length ? (4 * hits) / w.length - 2 : -2;
    return { id: c.id, index, score: 1 / (1 + Math.exp(-rawScore)), rawScore, truncatedTokens: 0 };
  });
  scored.sort((a, b) => b.score - a.score || a.index - b.index);
  return { model: info, results: scored.slice(0, request.topN ?? scored.length), queueMs: 0, computeMs };
}

const words = (s: string) => s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createMockReranker(
  options: MockRerankerOptions = {},
): LoadedReranker & { calls: RerankRequest[]; warmUps: number } {
  const { delayMs = 0, warmUpMs = 0, warmUpError, executionProvider = "mock-cpu" } = options;
  const info = { id: "mock-overlap", version: "1" };
  const self = {
    info,
    executionProvider,
    calls: [] as RerankRequest[],
    warmUps: 0,
    async warmUp() {
      self.warmUps++;
      if (warmUpMs) await sleep(warmUpMs);
      if (warmUpError) throw new Error(warmUpError);
    },
    async rerank(request: RerankRequest): Promise<RerankResponse> {
      self.calls.push(request);
      if (delayMs) await sleep(delayMs);
      return score(request, info, delayMs);
    },
  };
  return self;
}
