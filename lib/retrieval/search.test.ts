import { beforeEach, describe, expect, it, vi } from "vitest";

import type { Db } from "@/db";
import type { RunRecord } from "@/db/queries/runs";
import type { Embedder, RerankRequest, RerankResponse } from "@/lib/models/types";
import {
  rememberRerankModel,
  rerankCacheKey,
  rerankCacheStats,
  resetRerankCacheStats,
  type CachedRerank,
} from "@/lib/rerank/cache";

import {
  runSearch,
  searchParamsSchema,
  type ChunkRow,
  type Ranked,
  type RerankClientLike,
  type SearchQueries,
} from "./search";

const DOC = "11111111-1111-4111-8111-111111111111";
const db = {} as Db;

const embedder: Embedder = {
  info: { id: "test-embedder", version: "1" },
  dimension: 3,
  embed: async (texts) => texts.map(() => new Float32Array([1, 0, 0])),
};

function chunk(chunkId: number): ChunkRow {
  return {
    chunkId,
    documentId: DOC,
    documentName: "doc.md",
    text: `text of chunk ${chunkId}`,
    charStart: chunkId * 10,
    charEnd: chunkId * 10 + 9,
    position: chunkId,
  };
}

/** In-memory db/queries: fixed BM25 and dense lists over chunks 1..8. */
function fakeQueries({ bm25, dense }: { bm25: Ranked[]; dense: Ranked[] }) {
  const saved: RunRecord[] = [];
  const calls: Record<string, unknown[]> = {
    searchBm25: [],
    searchDense: [],
    getTermIdf: [],
  };
  const queries: SearchQueries = {
    searchBm25: async (args) => {
      calls.searchBm25.push(args);
      return bm25.slice(0, args.k);
    },
    searchDense: async (args) => {
      calls.searchDense.push(args);
      return dense.slice(0, args.k);
    },
    getTermIdf: async (args) => {
      calls.getTermIdf.push(args);
      return Object.fromEntries(args.words.map((w) => [w, 1.5]));
    },
    getChunksByIds: async ({ ids }) => ids.map(chunk),
    saveRetrievalRun: async ({ run }) => {
      saved.push(run);
    },
  };
  return { queries, saved, calls };
}

// BM25 finds 1..4, dense finds 3..6: 1, 2 lack a vector rank, 5, 6 lack a BM25 rank.
const BM25: Ranked[] = [
  { chunkId: 1, score: 9 },
  { chunkId: 2, score: 7 },
  { chunkId: 3, score: 5 },
  { chunkId: 4, score: 3 },
];
const DENSE: Ranked[] = [
  { chunkId: 3, score: 0.9 },
  { chunkId: 5, score: 0.8 },
  { chunkId: 4, score: 0.7 },
  { chunkId: 6, score: 0.6 },
];

/** A reranker that prefers higher chunk ids. */
function reverseReranker(): RerankClientLike & { requests: RerankRequest[] } {
  const requests: RerankRequest[] = [];
  return {
    requests,
    async rerank(request) {
      requests.push(request);
      const results = request.candidates
        .map((c, index) => ({
          id: c.id,
          index,
          score: Number(c.id) / 10,
          rawScore: Number(c.id),
          // Made up but distinct per candidate, so the test sees each row get its own count.
          truncatedTokens: Number(c.id) * 2,
        }))
        .sort((a, b) => b.score - a.score);
      const response: RerankResponse = {
        model: { id: "test-reranker", version: "1" },
        results,
        queueMs: 1.5,
        computeMs: 4.25,
      };
      return { ok: true, response, wallMs: 7 };
    },
  };
}

const params = (input: Record<string, unknown> = {}) => searchParamsSchema.parse({ query: "what is chunk", ...input });

describe("runSearch", () => {
  it("orders all k candidates by the reranker and keeps every first-stage field", async () => {
    const { queries, saved, calls } = fakeQueries({ bm25: BM25, dense: DENSE });
    const reranker = reverseReranker();
    const res = await runSearch({
      db,
      embedder,
      reranker,
      params: params({ k: 10 }),
      queries,
      newId: () => "run-1",
    });

    expect(res.runId).toBe("run-1");
    expect(res.reranked).toBe(true);
    expect(res).not.toHaveProperty("rerankSkippedReason");
    expect(res.results.map((r) => r.chunkId)).toEqual([6, 5, 4, 3, 2, 1]);
    expect(res.results.map((r) => r.rerankRank)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(res.results[0].rerankScore).toBeCloseTo(0.6);

    const row1 = res.results.find((r) => r.chunkId === 1)!;
    expect(row1).toMatchObject({
      documentId: DOC,
      documentName: "doc.md",
      text: "text of chunk 1",
      charStart: 10,
      charEnd: 19,
      bm25Rank: 1,
      bm25Score: 9,
      vectorRank: null,
      vectorScore: null,
    });
    const row5 = res.results.find((r) => r.chunkId === 5)!;
    expect(row5).toMatchObject({
      bm25Rank: null,
      bm25Score: null,
      vectorRank: 2,
      vectorScore: 0.8,
    });
    for (const row of res.results) {
      expect(Object.keys(row).sort()).toEqual(
        [
          "bm25Rank",
          "bm25Score",
          "charEnd",
          "charStart",
          "chunkId",
          "documentId",
          "documentName",
          "fusedRank",
          "fusedScore",
          "rerankRank",
          "rerankScore",
          "text",
          "truncatedTokens",
          "vectorRank",
          "vectorScore",
        ].sort(),
      );
      expect(row.truncatedTokens).toBe(row.chunkId * 2);
    }

    // The reranker got every candidate in fused order, with first-stage features and corpus idf.
    const request = reranker.requests[0];
    expect(request.query).toBe("what is chunk");
    expect(request.candidates).toHaveLength(6);
    const fusedOrder = [...res.results].sort((a, b) => a.fusedRank - b.fusedRank);
    expect(request.candidates.map((c) => c.id)).toEqual(fusedOrder.map((r) => String(r.chunkId)));
    expect(request.candidates[0].features).toEqual({
      bm25Score: fusedOrder[0].bm25Score,
      vectorScore: fusedOrder[0].vectorScore,
      fusedRank: 1,
    });
    expect(request.termIdf).toEqual({ what: 1.5, is: 1.5, chunk: 1.5 });
    expect(calls.getTermIdf).toHaveLength(1);

    expect(res.timings.rerankQueueMs).toBe(1.5);
    expect(res.timings.rerankComputeMs).toBe(4.25);

    // The run record holds the same ranking, the parameters and the model.
    expect(saved).toHaveLength(1);
    expect(saved[0]).toMatchObject({
      runId: "run-1",
      query: "what is chunk",
      reranked: true,
      rerankSkippedReason: null,
      rerankModel: { id: "test-reranker", version: "1" },
      answerChunkIds: [],
      answer: null,
    });
    expect(saved[0].results).toEqual(res.results);
    expect(saved[0].params.k).toBe(10);
  });

  it("answers from the fused order with the reason when the reranker fails", async () => {
    const { queries, saved } = fakeQueries({ bm25: BM25, dense: DENSE });
    const reranker: RerankClientLike = {
      rerank: async () => ({
        ok: false,
        reason: "reranker deadline exceeded (500 ms)",
        wallMs: 500,
      }),
    };
    const res = await runSearch({
      db,
      embedder,
      reranker,
      params: params(),
      queries,
    });

    expect(res.reranked).toBe(false);
    expect(res.rerankSkippedReason).toBe("reranker deadline exceeded (500 ms)");
    expect(res.results.map((r) => r.fusedRank)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(res.results.every((r) => r.rerankRank === null && r.rerankScore === null)).toBe(true);
    expect(res.timings.rerankQueueMs).toBe(0);
    expect(res.timings.rerankComputeMs).toBe(0);
    expect(saved[0]).toMatchObject({
      reranked: false,
      rerankSkippedReason: "reranker deadline exceeded (500 ms)",
      rerankModel: null,
    });
  });

  it("treats a response that does not cover the candidates as a failure", async () => {
    const { queries } = fakeQueries({ bm25: BM25, dense: DENSE });
    const reranker: RerankClientLike = {
      rerank: async () => ({
        ok: true,
        response: {
          model: { id: "m", version: "1" },
          results: [{ id: "1", index: 0, score: 1, rawScore: 1, truncatedTokens: 0 }],
          queueMs: 0,
          computeMs: 0,
        },
        wallMs: 1,
      }),
    };
    const res = await runSearch({
      db,
      embedder,
      reranker,
      params: params(),
      queries,
    });
    expect(res.reranked).toBe(false);
    expect(res.rerankSkippedReason).toMatch(/do not match/);
    expect(res.results).toHaveLength(6);
  });

  it("skips the reranker when the request turns reranking off", async () => {
    const { queries, calls } = fakeQueries({ bm25: BM25, dense: DENSE });
    const rerank = vi.fn();
    const res = await runSearch({
      db,
      embedder,
      reranker: { rerank },
      params: params({ rerank: false }),
      queries,
    });
    expect(rerank).not.toHaveBeenCalled();
    expect(calls.getTermIdf).toHaveLength(0);
    expect(res.reranked).toBe(false);
    expect(res.rerankSkippedReason).toMatch(/disabled/);
  });

  it("keeps the fused top k when the two lists together hold more, and passes filters through", async () => {
    const { queries, calls } = fakeQueries({ bm25: BM25, dense: DENSE });
    const res = await runSearch({
      db,
      embedder,
      reranker: reverseReranker(),
      params: params({ k: 3, documentIds: [DOC], bm25: { k1: 1.2, b: 0.75 } }),
      queries,
    });
    expect(res.results).toHaveLength(3);
    expect(calls.searchBm25[0]).toMatchObject({
      query: "what is chunk",
      k: 3,
      k1: 1.2,
      b: 0.75,
      documentIds: [DOC],
    });
    expect(calls.searchDense[0]).toMatchObject({ k: 3, documentIds: [DOC] });
  });

  it("handles an empty index", async () => {
    const { queries, saved } = fakeQueries({ bm25: [], dense: [] });
    const rerank = vi.fn();
    const res = await runSearch({
      db,
      embedder,
      reranker: { rerank },
      params: params(),
      queries,
    });
    expect(res.results).toEqual([]);
    expect(res.reranked).toBe(false);
    expect(rerank).not.toHaveBeenCalled();
    expect(saved).toHaveLength(1);
  });

  it("times each stage with the given clock", async () => {
    let t = 1_700_000_000_000;
    const now = () => (t += 2);
    const { queries, saved } = fakeQueries({ bm25: BM25, dense: DENSE });
    const res = await runSearch({
      db,
      embedder,
      reranker: reverseReranker(),
      params: params(),
      queries,
      now,
    });
    expect(res.timings.embedMs).toBe(2);
    expect(res.timings.bm25Ms).toBeGreaterThan(0);
    expect(res.timings.denseMs).toBeGreaterThan(0);
    expect(res.timings.totalMs).toBeGreaterThan(res.timings.embedMs + res.timings.fusionMs);
    expect(saved[0].createdAt).toBe(new Date(1_700_000_000_002).toISOString());
  });
});

describe("searchParamsSchema", () => {
  it("fills the defaults", () => {
    const p = searchParamsSchema.parse({ query: "  hello  " });
    expect(p).toMatchObject({ query: "hello", k: 30, topN: 5, rerank: true });
    expect(p.fusion).toBeDefined();
    expect(p).not.toHaveProperty("documentIds");
  });

  it("defaults topN to at most k and rejects an explicit topN above k", () => {
    expect(searchParamsSchema.parse({ query: "q", k: 3 }).topN).toBe(3);
    const bad = searchParamsSchema.safeParse({ query: "q", k: 3, topN: 4 });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0].path).toEqual(["topN"]);
  });

  it("rejects empty queries, out-of-range k and malformed document ids", () => {
    expect(searchParamsSchema.safeParse({ query: "   " }).success).toBe(false);
    expect(searchParamsSchema.safeParse({ query: "x".repeat(2001) }).success).toBe(false);
    expect(searchParamsSchema.safeParse({ query: "q", k: 0 }).success).toBe(false);
    expect(searchParamsSchema.safeParse({ query: "q", k: 201 }).success).toBe(false);
    expect(searchParamsSchema.safeParse({ query: "q", topN: 51, k: 100 }).success).toBe(false);
    expect(searchParamsSchema.safeParse({ query: "q", documentIds: ["nope"] }).success).toBe(false);
    expect(searchParamsSchema.safeParse({ query: "q", fusion: "nvidia" }).success).toBe(true);
  });
});

describe("runSearch with a query the embedder cannot represent", () => {
  it("skips dense retrieval so fusion rests on BM25 alone", async () => {
    const { queries, calls } = fakeQueries({ bm25: BM25, dense: DENSE });
    const blind: Embedder = { ...embedder, covers: () => false };
    const res = await runSearch({
      db,
      embedder: blind,
      reranker: reverseReranker(),
      params: params({ k: 10, rerank: false }),
      queries,
    });
    expect(calls.searchDense).toHaveLength(0);
    expect(res.timings.denseMs).toBe(0);
    expect(res.results.every((r) => r.vectorRank === null)).toBe(true);
    expect(res.results.map((r) => r.fusedRank)).toEqual(res.results.map((_, i) => i + 1));
    expect(res.results.map((r) => r.chunkId)).toEqual(
      [...res.results].sort((a, b) => (a.bm25Rank ?? 99) - (b.bm25Rank ?? 99)).map((r) => r.chunkId),
    );
  });
});

describe("runSearch with the rerank cache", () => {
  /** db/queries/rerank-cache.ts in memory: a Map of key → entry and what each call asked. */
  function withCache(base: SearchQueries) {
    const rows = new Map<string, { entry: CachedRerank; documentIds: string[] }>();
    const gets: { key: string; ttlMs: number }[] = [];
    const queries: SearchQueries = {
      ...base,
      getCachedRerank: async ({ key, ttlMs }) => {
        gets.push({ key, ttlMs });
        return rows.get(key)?.entry ?? null;
      },
      putCachedRerank: async ({ key, entry, documentIds }) => {
        rows.set(key, { entry, documentIds });
      },
    };
    return { queries, rows, gets };
  }

  beforeEach(() => {
    rememberRerankModel(null);
    resetRerankCacheStats();
  });

  it("misses, stores after the rerank, then answers the same search from the cache", async () => {
    const { queries, saved } = fakeQueries({ bm25: BM25, dense: DENSE });
    const cache = withCache(queries);
    const reranker = reverseReranker();
    const search = () =>
      runSearch({
        db,
        embedder,
        reranker,
        params: params({ k: 10 }),
        queries: cache.queries,
        rerankCacheTtlMs: 60_000,
      });

    // Before any worker response the model is unknown: no lookup, a miss, then the entry is stored.
    const first = await search();
    expect(first.reranked).toBe(true);
    expect(first).not.toHaveProperty("rerankCached");
    expect(cache.gets).toHaveLength(0);
    expect(reranker.requests).toHaveLength(1);
    expect([...cache.rows.values()][0].documentIds).toEqual(new Array(6).fill(DOC));
    expect(rerankCacheStats()).toMatchObject({ hits: 0, misses: 1 });

    const second = await search();
    expect(reranker.requests).toHaveLength(1); // the worker was not called again
    expect(cache.gets).toEqual([{ key: [...cache.rows.keys()][0], ttlMs: 60_000 }]);
    expect(second.rerankCached).toBe(true);
    expect(second.reranked).toBe(true);
    expect(second.results).toEqual(first.results);
    expect(second.timings.rerankQueueMs).toBe(0);
    expect(second.timings.rerankComputeMs).toBe(0);
    expect(saved[1].rerankModel).toEqual({ id: "test-reranker", version: "1", cached: true });
    expect(saved[0].rerankModel).toEqual({ id: "test-reranker", version: "1" });
    expect(rerankCacheStats()).toMatchObject({ hits: 1, misses: 1, hitRate: 0.5 });
  });

  it("keys by query, candidates, features and model: a different query misses", async () => {
    const { queries } = fakeQueries({ bm25: BM25, dense: DENSE });
    const cache = withCache(queries);
    const reranker = reverseReranker();
    const run = (query: string) =>
      runSearch({
        db,
        embedder,
        reranker,
        params: params({ k: 10, query }),
        queries: cache.queries,
        rerankCacheTtlMs: 60_000,
      });
    await run("what is chunk");
    await run("What   is CHUNK"); // same normalised query: hit
    await run("another query");
    expect(reranker.requests).toHaveLength(2);
    expect(cache.rows.size).toBe(2);
    const request = reranker.requests[0];
    const model = { id: "test-reranker", version: "1" };
    expect(rerankCacheKey(request, model, "u1")).not.toBe(rerankCacheKey(request, { ...model, version: "2" }, "u1"));
    const moved = {
      ...request,
      candidates: request.candidates.map((c, i) => (i === 0 ? { ...c, text: `${c.text}!` } : c)),
    };
    expect(rerankCacheKey(request, model, "u1")).not.toBe(rerankCacheKey(moved, model, "u1"));
    // Partitioned by owner: another user's identical search never reads this entry.
    expect(rerankCacheKey(request, model, "u1")).not.toBe(rerankCacheKey(request, model, "u2"));
  });

  it("ignores a failing cache and a zero TTL", async () => {
    const { queries } = fakeQueries({ bm25: BM25, dense: DENSE });
    const broken: SearchQueries = {
      ...queries,
      getCachedRerank: async () => {
        throw new Error("db down");
      },
      putCachedRerank: async () => {
        throw new Error("db down");
      },
    };
    const reranker = reverseReranker();
    rememberRerankModel({ id: "test-reranker", version: "1" });
    const res = await runSearch({
      db,
      embedder,
      reranker,
      params: params({ k: 10 }),
      queries: broken,
      rerankCacheTtlMs: 60_000,
    });
    expect(res.reranked).toBe(true);
    expect(rerankCacheStats().errors).toBe(2);

    const cache = withCache(queries);
    await runSearch({ db, embedder, reranker, params: params({ k: 10 }), queries: cache.queries, rerankCacheTtlMs: 0 });
    expect(cache.gets).toHaveLength(0);
    expect(cache.rows.size).toBe(0);
  });
});
