import { and, eq, gt, inArray, lt, sql } from "drizzle-orm";
import type { CachedRerank } from "@/lib/rerank/cache";
import type { RerankResult } from "@/lib/models/types";
import { rerankCache } from "../schema";
import type { Executor } from "./sql";

// Rows of the app's rerank cache (key design: lib/rerank/cache.ts; invalidation: drizzle/0004).

/** The entry under `key` if it is younger than `ttlMs`. */
export async function getCachedRerank({
  db,
  key,
  ttlMs,
  now = Date.now(),
}: {
  db: Executor;
  key: string;
  ttlMs: number;
  now?: number;
}): Promise<CachedRerank | null> {
  const [row] = await db
    .select({ modelId: rerankCache.modelId, modelVersion: rerankCache.modelVersion, results: rerankCache.results })
    .from(rerankCache)
    .where(and(eq(rerankCache.key, key), gt(rerankCache.createdAt, new Date(now - ttlMs))));
  if (!row) return null;
  return { model: { id: row.modelId, version: row.modelVersion }, results: row.results as RerankResult[] };
}

/** Most expired rows one write purges (keeps writes cheap; the created_at index finds them). */
const PURGE_BATCH = 500;

/**
 * Stores (or refreshes) an entry, and purges up to PURGE_BATCH expired rows on the way. An entry
 * written just after one of its documents was deleted escapes the delete trigger, but no request can
 * reach it (chunk ids are never reused) and the TTL purge removes it.
 */
export async function putCachedRerank({
  db,
  key,
  entry,
  documentIds,
  ttlMs,
  now = Date.now(),
}: {
  db: Executor;
  key: string;
  entry: CachedRerank;
  documentIds: string[];
  ttlMs: number;
  now?: number;
}): Promise<void> {
  const createdAt = new Date(now);
  await db
    .insert(rerankCache)
    .values({
      key,
      modelId: entry.model.id,
      modelVersion: entry.model.version,
      documentIds: [...new Set(documentIds)],
      results: entry.results,
      createdAt,
    })
    .onConflictDoUpdate({
      target: rerankCache.key,
      set: { results: entry.results, createdAt, documentIds: [...new Set(documentIds)] },
    });
  await purgeExpiredRerankCache({ db, ttlMs, now, limit: PURGE_BATCH });
}

/** Deletes entries older than `ttlMs` (at most `limit` of them); returns how many. */
export async function purgeExpiredRerankCache({
  db,
  ttlMs,
  now = Date.now(),
  limit = 10_000,
}: {
  db: Executor;
  ttlMs: number;
  now?: number;
  limit?: number;
}): Promise<number> {
  const expired = db
    .select({ key: rerankCache.key })
    .from(rerankCache)
    .where(lt(rerankCache.createdAt, new Date(now - ttlMs)))
    .limit(limit);
  const deleted = await db.delete(rerankCache).where(inArray(rerankCache.key, expired)).returning({ key: rerankCache.key });
  return deleted.length;
}

/** Entries citing any of these documents (tests and tools). */
export async function countRerankCacheFor({ db, documentIds }: { db: Executor; documentIds: string[] }): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(rerankCache)
    .where(sql`${rerankCache.documentIds} && ${sql.raw("ARRAY[")}${sql.join(
      documentIds.map((d) => sql`${d}::uuid`),
      sql`, `,
    )}${sql.raw("]::uuid[]")}`);
  return Number(row?.n ?? 0);
}
