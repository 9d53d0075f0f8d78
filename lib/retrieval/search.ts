import { z } from "zod";

import type { Db } from "@/db";
import { LOCAL_VIEWER, type Viewer } from "@/db/queries/access";
import type { ChunkWithDocument } from "@/db/queries/retrieval";
import type { RunRecord } from "@/db/queries/runs";
import { env } from "@/lib/env";
import type { Embedder, RerankRequest, RerankResponse } from "@/lib/models/types";
import {
  knownRerankModel,
  recordRerankCache,
  rememberRerankModel,
  rerankCacheKey,
  type CachedRerank,
} from "@/lib/rerank/cache";
import { wordTokens } from "@/lib/models/word-tokens";
import { DEFAULT_FUSION, fuse, fusionSchema, type FusedCandidate, type Ranked } from "@/lib/retrieval/fusion";
import { withSpan } from "@/lib/telemetry/tracing";

// ---------------------------------------------------------------------------------------------
// Request parameters

/** Every search parameter except the query, so the chat request can reuse them beside `message`. */
export const searchOptionsSchema = z.object({
  k: z.number().int().min(1).max(200).default(env.RETRIEVAL_K),
  /** Defaults to min(RERANK_TOP_N, k) so that setting only a small k stays valid. */
  topN: z.number().int().min(1).max(50).optional(),
  fusion: fusionSchema.default(DEFAULT_FUSION),
  rerank: z.boolean().default(true),
  documentIds: z.array(z.uuid()).max(1000).optional(),
  bm25: z.object({ k1: z.number().min(0).max(10), b: z.number().min(0).max(1) }).optional(),
});

export const queryTextSchema = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(2000, "must be at most 2000 characters");

/** Refinement shared by every schema that embeds the search options. */
export function checkTopNWithinK(value: { k: number; topN?: number }, ctx: z.RefinementCtx) {
  if (value.topN !== undefined && value.topN > value.k) {
    ctx.addIssue({
      code: "custom",
      path: ["topN"],
      message: "topN must not exceed k",
    });
  }
}

export function resolveTopN(value: { k: number; topN?: number }): number {
  return value.topN ?? Math.min(env.RERANK_TOP_N, value.k);
}

export const searchParamsSchema = searchOptionsSchema
  .extend({ query: queryTextSchema })
  .superRefine(checkTopNWithinK)
  .transform(({ query, k, topN, fusion, rerank, documentIds, bm25 }) => ({
    query,
    k,
    topN: resolveTopN({ k, topN }),
    fusion,
    rerank,
    ...(documentIds ? { documentIds } : {}),
    ...(bm25 ? { bm25 } : {}),
  }));

export type SearchParams = z.output<typeof searchParamsSchema>;
export type SearchParamsInput = z.input<typeof searchParamsSchema>;

// ---------------------------------------------------------------------------------------------
// Results

/** A candidate chunk with every stage's rank and score (null where a stage did not list it). */
export type SearchResultRow = Omit<ChunkWithDocument, "position"> &
  FusedCandidate & {
    rerankRank: number | null;
    rerankScore: number | null;
    /** Passage tokens the reranker cut off to fit its input; absent when not reranked (and in older runs). */
    truncatedTokens?: number;
  };

export interface Timings {
  embedMs: number;
  bm25Ms: number;
  denseMs: number;
  fusionMs: number;
  rerankQueueMs: number;
  rerankComputeMs: number;
  /**
   * Wall time of the call to the reranker, HTTP included: a call that hit its deadline counts at the
   * deadline, a failed one at the time it took to fail; 0 when no call was made (off, cached, nothing to
   * rerank). Absent in runs recorded before it existed.
   */
  rerankMs?: number;
  totalMs: number;
  /** Answer generation after retrieval, recorded with the answer (chat runs only; not part of totalMs). */
  generationMs?: number;
}

export interface SearchResponse {
  runId: string;
  reranked: boolean;
  rerankSkippedReason?: string;
  /** Present only when dense retrieval was left out: why (e.g. the serving embedder cannot be loaded). */
  denseSkippedReason?: string;
  /**
   * Present (true) only when the reranking came from the rerank cache (rerank queue and compute are
   * then 0); the run record says so as `rerankModel.cached: true`.
   */
  rerankCached?: true;
  timings: Timings;
  /** All k candidates, ordered by final rank; the first topN are what an answer uses. */
  results: SearchResultRow[];
}

// ---------------------------------------------------------------------------------------------
// Dependencies (structural, so tests pass in-memory doubles)

/** lib/rerank/client.ts's RerankClient: never throws, reports failures as `ok: false`. */
export interface RerankClientLike {
  rerank(
    request: RerankRequest,
  ): Promise<{ ok: true; response: RerankResponse; wallMs: number } | { ok: false; reason: string; wallMs: number }>;
}

export type { Ranked };
export type ChunkRow = ChunkWithDocument;

/** The db/queries functions runSearch needs. */
export interface SearchQueries {
  searchBm25(args: {
    db: Db;
    query: string;
    k: number;
    k1?: number;
    b?: number;
    documentIds?: string[];
  }): Promise<Ranked[]>;
  searchDense(args: {
    db: Db;
    embedding: Float32Array;
    k: number;
    documentIds?: string[];
    /** The vectors to search (embedders.id); default the active embedder's. */
    embedderId?: number;
  }): Promise<Ranked[]>;
  getTermIdf(args: { db: Db; words: string[] }): Promise<Record<string, number>>;
  getChunksByIds(args: { db: Db; ids: number[]; viewer?: Viewer }): Promise<ChunkRow[]>;
  saveRetrievalRun(args: { db: Db; run: RunRecord; userId?: string }): Promise<unknown>;
  /** Narrows the search to the viewer's documents (db/queries/access.ts); doubles may leave it out. */
  searchableDocumentIds?(args: { db: Db; viewer: Viewer; documentIds?: string[] }): Promise<string[] | undefined>;
  /** The rerank cache (db/queries/rerank-cache.ts); without these, runSearch always calls the reranker. */
  getCachedRerank?(args: { db: Db; key: string; ttlMs: number }): Promise<CachedRerank | null>;
  putCachedRerank?(args: {
    db: Db;
    key: string;
    entry: CachedRerank;
    documentIds: string[];
    ttlMs: number;
  }): Promise<unknown>;
}

// Loaded lazily so that unit tests with doubles never import the database modules.
export async function loadQueries(): Promise<SearchQueries> {
  const [retrieval, runs, cache, access] = await Promise.all([
    import("@/db/queries/retrieval"),
    import("@/db/queries/runs"),
    import("@/db/queries/rerank-cache"),
    import("@/db/queries/access"),
  ]);
  return {
    searchableDocumentIds: access.searchableDocumentIds,
    searchBm25: retrieval.searchBm25,
    searchDense: retrieval.searchDense,
    getTermIdf: retrieval.getTermIdf,
    getChunksByIds: retrieval.getChunksByIds,
    saveRetrievalRun: runs.saveRetrievalRun,
    getCachedRerank: cache.getCachedRerank,
    putCachedRerank: cache.putCachedRerank,
  };
}

// ---------------------------------------------------------------------------------------------

const wallClock = () => performance.timeOrigin + performance.now();
const round = (ms: number) => Math.round(ms * 100) / 100;

export interface RunSearchArgs {
  db: Db;
  embedder: Embedder;
  reranker: RerankClientLike;
  params: SearchParams;
  /**
   * Whose documents are searched and who owns the run: the signed-in user in the app, "all" for
   * offline evaluation (the run is then stored as the local user's). Default: the local user.
   */
  viewer?: Viewer;
  /** Millisecond wall clock (epoch based); used for timings and the run's timestamp. */
  now?: () => number;
  queries?: SearchQueries;
  newId?: () => string;
  /** Rerank cache TTL (ms); 0 turns the cache off. Default env.RERANK_CACHE_TTL_MS. */
  rerankCacheTtlMs?: number;
  /** Sees each retriever's own ranking (evaluation measures them separately). */
  onStages?: (stages: { bm25: Ranked[]; dense: Ranked[]; fused: FusedCandidate[] }) => void;
}

/**
 * The reranker request for fused candidates. Training builds its examples with this same function,
 * so the model sees identical inputs when it is trained and when it serves.
 */
export function rerankRequestFor(args: {
  query: string;
  candidates: (Pick<FusedCandidate, "chunkId" | "bm25Score" | "vectorScore" | "fusedRank"> & { text: string })[];
  termIdf: Record<string, number>;
}): RerankRequest {
  return {
    query: args.query,
    candidates: args.candidates.map((c) => ({
      id: String(c.chunkId),
      text: c.text,
      features: {
        bm25Score: c.bm25Score,
        vectorScore: c.vectorScore,
        fusedRank: c.fusedRank,
      },
    })),
    termIdf: args.termIdf,
  };
}

/** Hybrid retrieval → fusion → rerank (fail-open), recorded as a retrieval run. */
export async function runSearch({
  db,
  embedder,
  reranker,
  params,
  viewer = LOCAL_VIEWER,
  now = wallClock,
  queries,
  newId = () => crypto.randomUUID(),
  rerankCacheTtlMs = env.RERANK_CACHE_TTL_MS,
  onStages,
}: RunSearchArgs): Promise<SearchResponse> {
  const q = queries ?? (await loadQueries());
  const started = now();
  // Each stage is timed for the run record and, when tracing is on, is a span of the request's trace.
  const timed = <T>(stage: string, fn: () => Promise<T>): Promise<[T, number]> =>
    withSpan(stage, {}, async () => {
      const t0 = now();
      const value = await fn();
      return [value, round(now() - t0)];
    });

  const { query, k } = params;
  const documentIds = q.searchableDocumentIds
    ? await q.searchableDocumentIds({ db, viewer, documentIds: params.documentIds })
    : params.documentIds;
  const owner = viewer === "all" ? "all" : viewer.userId;

  // The embedder whose vectors serve could not be loaded (during a switch): BM25 alone, and the run says why.
  const denseSkippedReason = embedder.unavailable;
  const [[embedding], embedMs] = denseSkippedReason
    ? [[new Float32Array(0)], 0]
    : await timed("embed", () => embedder.embed([query], { kind: "query" }));

  const [[bm25, bm25Ms], [dense, denseMs]] = await Promise.all([
    timed("bm25", () =>
      q.searchBm25({
        db,
        query,
        k,
        ...(params.bm25 ?? {}),
        ...(documentIds ? { documentIds } : {}),
      }),
    ),
    // A query the embedder has no signal for (e.g. Japanese for the English starter model) would rank
    // chunks arbitrarily; leaving dense out lets fusion rest on BM25 alone.
    denseSkippedReason || embedder.covers?.(query) === false
      ? ([[], 0] as [Ranked[], number])
      : timed("dense", () =>
          q.searchDense({
            db,
            embedding,
            k,
            ...(documentIds ? { documentIds } : {}),
            ...(embedder.vectorSet ? { embedderId: embedder.vectorSet.id } : {}),
          }),
        ),
  ]);

  // Each retriever returns k; the union can hold up to 2k, of which the fused top k are the candidates.
  const [fused, fusionMs] = await timed("fusion", async () =>
    fuse({ bm25, vector: dense, fusion: params.fusion }).slice(0, k),
  );

  onStages?.({ bm25, dense, fused });

  const [chunks, termIdf] = await Promise.all([
    fused.length > 0 ? q.getChunksByIds({ db, ids: fused.map((c) => c.chunkId), viewer }) : Promise.resolve([]),
    params.rerank && fused.length > 0
      ? q.getTermIdf({ db, words: [...new Set(wordTokens(query))] })
      : Promise.resolve({}),
  ]);
  const chunkById = new Map(chunks.map((c) => [c.chunkId, c]));
  // A chunk deleted between retrieval and fetch has no text to show or rerank: drop it.
  const candidates = fused.filter((c) => chunkById.has(c.chunkId));

  let reranked = false;
  let rerankSkippedReason: string | undefined;
  let rerankModel: RunRecord["rerankModel"] = null;
  let rerankQueueMs = 0;
  let rerankComputeMs = 0;
  let rerankMs = 0;
  let rerankCached = false;
  let ordered: {
    candidate: FusedCandidate;
    rerankRank: number | null;
    rerankScore: number | null;
    truncatedTokens?: number;
  }[] = candidates.map((candidate) => ({
    candidate,
    rerankRank: null,
    rerankScore: null,
  }));

  if (!params.rerank) {
    rerankSkippedReason = "reranking disabled in the request";
  } else if (candidates.length === 0) {
    rerankSkippedReason = "no candidates to rerank";
  } else {
    const request = rerankRequestFor({
      query,
      candidates: candidates.map((c) => ({
        ...c,
        text: chunkById.get(c.chunkId)!.text,
      })),
      termIdf,
    });
    const cache = rerankCacheTtlMs > 0 && q.getCachedRerank && q.putCachedRerank ? q : null;
    const documentIdsOf = () => candidates.map((c) => chunkById.get(c.chunkId)!.documentId);

    // The cache is keyed by the worker's model, learnt from its last response: before any, a miss.
    const model = cache ? knownRerankModel() : null;
    let hit: CachedRerank | null = null;
    if (cache) {
      if (model) {
        try {
          hit = await cache.getCachedRerank!({
            db,
            key: rerankCacheKey(request, model, owner),
            ttlMs: rerankCacheTtlMs,
          });
        } catch {
          recordRerankCache("error"); // a cache failure never fails the search
        }
      }
      recordRerankCache(hit ? "hit" : "miss");
    }
    const order = hit
      ? applyRerank(candidates, { model: hit.model, results: hit.results, queueMs: 0, computeMs: 0 })
      : null;
    if (hit && order) {
      ordered = order;
      reranked = true;
      rerankCached = true;
      // RunRecord.rerankModel is {id, version}; an extra `cached` field marks a cached reranking.
      rerankModel = { ...hit.model, cached: true } as RunRecord["rerankModel"];
    } else {
      const outcome = await reranker.rerank(request);
      rerankMs = round(outcome.wallMs);
      if (outcome.ok) {
        const applied = applyRerank(candidates, outcome.response);
        if (applied) {
          ordered = applied;
          reranked = true;
          rerankModel = outcome.response.model;
          rerankQueueMs = round(outcome.response.queueMs);
          rerankComputeMs = round(outcome.response.computeMs);
          rememberRerankModel(outcome.response.model);
          if (cache) {
            const entry = { model: outcome.response.model, results: outcome.response.results };
            await cache.putCachedRerank!({
              db,
              key: rerankCacheKey(request, entry.model, owner),
              entry,
              documentIds: documentIdsOf(),
              ttlMs: rerankCacheTtlMs,
            }).catch(() => recordRerankCache("error"));
          }
        } else {
          rerankSkippedReason = "reranker returned results that do not match the candidates";
        }
      } else {
        rerankSkippedReason = outcome.reason;
      }
    }
  }

  const results: SearchResultRow[] = ordered.map(({ candidate: c, rerankRank, rerankScore, truncatedTokens }) => {
    const chunk = chunkById.get(c.chunkId)!;
    return {
      chunkId: c.chunkId,
      documentId: chunk.documentId,
      documentName: chunk.documentName,
      text: chunk.text,
      charStart: chunk.charStart,
      charEnd: chunk.charEnd,
      bm25Rank: c.bm25Rank,
      bm25Score: c.bm25Score,
      vectorRank: c.vectorRank,
      vectorScore: c.vectorScore,
      fusedRank: c.fusedRank,
      fusedScore: c.fusedScore,
      rerankRank,
      rerankScore,
      ...(truncatedTokens !== undefined ? { truncatedTokens } : {}),
    };
  });

  const timings: Timings = {
    embedMs,
    bm25Ms,
    denseMs,
    fusionMs,
    rerankQueueMs,
    rerankComputeMs,
    rerankMs,
    totalMs: round(now() - started),
  };
  const runId = newId();

  await q.saveRetrievalRun({
    db,
    ...(viewer === "all" ? {} : { userId: viewer.userId }),
    run: {
      runId,
      createdAt: new Date(started).toISOString(),
      query,
      params,
      reranked,
      rerankSkippedReason: rerankSkippedReason ?? null,
      ...(denseSkippedReason ? { denseSkippedReason } : {}),
      rerankModel,
      timings,
      results,
      answerChunkIds: [],
      answer: null,
    },
  });

  return {
    runId,
    reranked,
    ...(reranked ? {} : { rerankSkippedReason }),
    ...(denseSkippedReason ? { denseSkippedReason } : {}),
    ...(rerankCached ? { rerankCached: true as const } : {}),
    timings,
    results,
  };
}

/**
 * Orders candidates by the reranker's scores. Returns null when the response does not cover the
 * candidates exactly once each (then the fused order stands, as for any other rerank failure).
 */
function applyRerank(candidates: FusedCandidate[], response: RerankResponse) {
  if (response.results.length !== candidates.length) return null;
  const seen = new Set<number>();
  const ordered = [];
  // Sort defensively (the worker already sorts), ties by fused rank.
  const sorted = [...response.results].sort(
    (a, b) => b.score - a.score || (candidates[a.index]?.fusedRank ?? 0) - (candidates[b.index]?.fusedRank ?? 0),
  );
  for (const result of sorted) {
    const candidate = candidates[result.index];
    if (!candidate || String(candidate.chunkId) !== result.id || seen.has(result.index)) return null;
    seen.add(result.index);
    ordered.push({
      candidate,
      rerankRank: ordered.length + 1,
      rerankScore: result.score,
      // Remote protocols and old cache entries may not report it.
      ...(typeof result.truncatedTokens === "number" ? { truncatedTokens: result.truncatedTokens } : {}),
    });
  }
  return ordered;
}
