import { createHash } from "node:crypto";
import type { ModelInfo, RerankRequest, RerankResult } from "@/lib/models/types";

// The app's rerank cache, the pure half (the rows live in Postgres: db/queries/rerank-cache.ts).
// A cached entry answers a rerank request only when everything the reranker's output depends on is
// the same: the query as the model's tokenizer sees it, each candidate's id, text and first-stage
// features (in order), the query words' IDF, topN, and the model id and version.

export const RERANK_CACHE_KEY_VERSION = 1;

/** The query as the reranker sees it: NFKC, lower-cased, whitespace collapsed (its tokenizer does the same). */
export function normaliseQuery(query: string): string {
  return query.normalize("NFKC").toLowerCase().replace(/\s+/g, " ").trim();
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

/** sha256 over the request's reranker inputs and the model; hex. */
/**
 * `owner` partitions the cache by whose search it was (a user id; "all" for offline scripts): one
 * user's entries are never consulted for another's search, even over identical candidates.
 */
export function rerankCacheKey(request: RerankRequest, model: ModelInfo, owner: string): string {
  const termIdf = request.termIdf
    ? Object.entries(request.termIdf).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    : null;
  return sha256(
    JSON.stringify([
      RERANK_CACHE_KEY_VERSION,
      owner,
      model.id,
      model.version,
      normaliseQuery(request.query),
      request.topN ?? null,
      termIdf,
      request.candidates.map((c) => [
        c.id,
        sha256(c.text),
        c.features?.bm25Score ?? null,
        c.features?.vectorScore ?? null,
        c.features?.fusedRank ?? null,
      ]),
    ]),
  );
}

/** What a cache row holds: the worker's response without its timings. */
export interface CachedRerank {
  model: ModelInfo;
  results: RerankResult[];
}

// ---------------------------------------------------------------------------------------------
// Hit rate, in-process (for a future /api/metrics); each search run also records its own outcome.

const counters = { hits: 0, misses: 0, errors: 0 };

export function recordRerankCache(outcome: "hit" | "miss" | "error"): void {
  if (outcome === "hit") counters.hits++;
  else if (outcome === "miss") counters.misses++;
  else counters.errors++;
}

export function rerankCacheStats(): { hits: number; misses: number; errors: number; hitRate: number } {
  const lookups = counters.hits + counters.misses;
  return { ...counters, hitRate: lookups === 0 ? 0 : counters.hits / lookups };
}

export function resetRerankCacheStats(): void {
  counters.hits = 0;
  counters.misses = 0;
  counters.errors = 0;
}

// The app learns the worker's model from its responses; lookups before the first response miss.
let lastModel: ModelInfo | null = null;

export function knownRerankModel(): ModelInfo | null {
  return lastModel;
}

export function rememberRerankModel(model: ModelInfo | null): void {
  lastModel = model ? { id: model.id, version: model.version } : null;
}
