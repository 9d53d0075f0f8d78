import { boolean, index, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

// One row per query: parameters, every candidate's ranks and scores, timings, and what reached the answer.
export const retrievalRuns = pgTable(
  "retrieval_runs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    query: text("query").notNull(),
    params: jsonb("params").notNull(),
    reranked: boolean("reranked").notNull(),
    rerankSkippedReason: text("rerank_skipped_reason"),
    rerankModel: jsonb("rerank_model"),
    timings: jsonb("timings").notNull(),
    results: jsonb("results").notNull(),
    answerChunkIds: jsonb("answer_chunk_ids").notNull().default([]),
    answer: text("answer"),
  },
  (t) => [index("retrieval_runs_created_idx").on(t.createdAt)],
);
