import { sql } from "drizzle-orm";
import { boolean, index, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users } from "./auth";

// One row per query: parameters, every candidate's ranks and scores, timings, and what reached the answer.
export const retrievalRuns = pgTable(
  "retrieval_runs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    // Only this user sees the run; deleting the user deletes it.
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    // Documents whose passages the run holds (results[].text): deleting one redacts them (drizzle/0005).
    documentIds: uuid("document_ids").array().notNull().default(sql`'{}'::uuid[]`),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    query: text("query").notNull(),
    params: jsonb("params").notNull(),
    reranked: boolean("reranked").notNull(),
    rerankSkippedReason: text("rerank_skipped_reason"),
    rerankModel: jsonb("rerank_model"),
    // Why dense retrieval was left out (e.g. the serving embedder could not be loaded); null: it ran.
    denseSkippedReason: text("dense_skipped_reason"),
    timings: jsonb("timings").notNull(),
    results: jsonb("results").notNull(),
    answerChunkIds: jsonb("answer_chunk_ids").notNull().default([]),
    answer: text("answer"),
    // The answer was removed because a passage it was built from belonged to a deleted document.
    answerRedacted: boolean("answer_redacted").notNull().default(false),
  },
  (t) => [
    index("retrieval_runs_created_idx").on(t.createdAt),
    index("retrieval_runs_user_created_idx").on(t.userId, t.createdAt),
    index("retrieval_runs_document_ids_idx").using("gin", t.documentIds),
  ],
);
