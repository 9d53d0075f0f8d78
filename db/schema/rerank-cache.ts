import { index, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

// Rerank results cached by the app (the worker never opens the database). The key is a sha256 over
// everything the reranker's output depends on (db/queries/rerank-cache.ts: rerankCacheKey): the
// normalised query, each candidate's chunk id, text hash and first-stage features, the query's term
// IDFs, and the model id and version. Chunk ids are identity values and never reused, so a re-ingested
// document's new chunks can never hit an old entry; on top of that, deleting chunks (document delete,
// re-ingest) deletes the entries that cite their documents at once (trigger in drizzle/0004).
// Entries older than RERANK_CACHE_TTL_MS are ignored on read and purged opportunistically on write.
export const rerankCache = pgTable(
  "rerank_cache",
  {
    key: text("key").primaryKey(),
    modelId: text("model_id").notNull(),
    modelVersion: text("model_version").notNull(),
    // Documents of the cached candidates: invalidation deletes rows overlapping deleted documents.
    documentIds: uuid("document_ids").array().notNull(),
    // The worker's RerankResponse results (id, index, score, rawScore, truncatedTokens), best first.
    results: jsonb("results").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("rerank_cache_document_ids_idx").using("gin", t.documentIds),
    index("rerank_cache_created_idx").on(t.createdAt),
  ],
);
