import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  unique,
  uuid,
} from "drizzle-orm/pg-core";
import { users } from "./auth";
import { retrievalRuns } from "./runs";

// The golden set: a user's queries and their relevance judgements, made in the inspect view.

/** A query the user has judged candidates for; one per normalised text and user. */
export const goldenQueries = pgTable(
  "golden_queries",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    // As first asked; re-asking the same words in another case or spacing joins the same query.
    query: text("query").notNull(),
    normalizedQuery: text("normalized_query").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique("golden_queries_user_query_unique").on(t.userId, t.normalizedQuery)],
);

export const relevanceGrades = [0, 1, 2] as const;
export type RelevanceGrade = (typeof relevanceGrades)[number];

/**
 * One judgement: 0 not relevant, 1 partly, 2 relevant. Ids only, no passage text and no foreign key to
 * chunks or documents: deleting a document leaves its judgements as bare ids (nothing of it to redact).
 */
export const relevanceLabels = pgTable(
  "relevance_labels",
  {
    goldenQueryId: uuid("golden_query_id")
      .notNull()
      .references(() => goldenQueries.id, { onDelete: "cascade" }),
    chunkId: bigint("chunk_id", { mode: "number" }).notNull(),
    documentId: uuid("document_id").notNull(),
    grade: smallint("grade").notNull(),
    labelledAt: timestamp("labelled_at", { withTimezone: true }).notNull().defaultNow(),
    // The run whose candidate was judged.
    runId: uuid("run_id").references(() => retrievalRuns.id, { onDelete: "set null" }),
  },
  (t) => [
    primaryKey({ name: "relevance_labels_pk", columns: [t.goldenQueryId, t.chunkId] }),
    index("relevance_labels_document_idx").on(t.documentId),
    check("relevance_labels_grade_check", sql`${t.grade} IN (0, 1, 2)`),
  ],
);

/** nDCG@5 of the golden set before and after rerank, at one point in time (the quality trend). */
export const goldenEvaluations = pgTable(
  "golden_evaluations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    queryCount: integer("query_count").notNull(),
    ndcg5Fused: doublePrecision("ndcg5_fused").notNull(),
    ndcg5Reranked: doublePrecision("ndcg5_reranked").notNull(),
    perQuery: jsonb("per_query").notNull(),
    // What the evaluation saw (labels, documents, rerank model): the schedule skips when it is unchanged.
    fingerprint: text("fingerprint").notNull(),
  },
  (t) => [index("golden_evaluations_user_created_idx").on(t.userId, t.createdAt)],
);
