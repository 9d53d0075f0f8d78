import { sql } from "drizzle-orm";
import { boolean, check, index, integer, jsonb, pgTable, text, timestamp, unique, uuid } from "drizzle-orm/pg-core";
import { users } from "./auth";
import { retrievalRuns } from "./runs";

// Saved chat conversations: one row per conversation, one row per turn (a question and its answer).

export const conversations = pgTable(
  "conversations",
  {
    // Chosen by the browser when the first question is sent, so the page can name it before it exists.
    id: uuid("id").primaryKey().defaultRandom(),
    // Only this user sees the conversation; deleting the user deletes it.
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    // The first question, shortened (lib/chat/conversation.ts titleOf); the user may rename it.
    title: text("title").notNull(),
    // The documents the next question is limited to (empty: all the user can read).
    documentIds: uuid("document_ids").array().notNull().default(sql`'{}'::uuid[]`),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("conversations_user_updated_idx").on(t.userId, t.updatedAt)],
);

export const turnStatuses = ["answering", "done", "stopped", "failed"] as const;
export type TurnStatus = (typeof turnStatuses)[number];

export const conversationTurns = pgTable(
  "conversation_turns",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    conversationId: uuid("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
    question: text("question").notNull(),
    // What retrieval searched for (the question, or its rewrite from the earlier turns) and how.
    retrievalQuery: text("retrieval_query").notNull(),
    rewrite: jsonb("rewrite").notNull(),
    // The documents this question was limited to (empty: all).
    scopeDocumentIds: uuid("scope_document_ids").array().notNull().default(sql`'{}'::uuid[]`),
    // The retrieval run of the current answer (regenerate replaces it); kept if the run goes.
    runId: uuid("run_id").references(() => retrievalRuns.id, { onDelete: "set null" }),
    answer: text("answer"),
    answerMode: text("answer_mode"),
    // [{ n, chunkId, documentId, documentName, charStart, charEnd }]
    citations: jsonb("citations").notNull().default([]),
    // Documents the citations name: deleting one redacts the answer and its citations (drizzle/0009).
    citedDocumentIds: uuid("cited_document_ids").array().notNull().default(sql`'{}'::uuid[]`),
    answerRedacted: boolean("answer_redacted").notNull().default(false),
    status: text("status").notNull(),
    // Stopped by the user after this many characters of the answer had reached them: the saved answer is
    // cut there, whichever of the stop request and the end of the stream comes first.
    stoppedAtChars: integer("stopped_at_chars"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique("conversation_turns_position_unique").on(t.conversationId, t.position),
    index("conversation_turns_cited_idx").using("gin", t.citedDocumentIds),
    index("conversation_turns_run_idx").on(t.runId),
    check("conversation_turns_status_check", sql`${t.status} IN ('answering', 'done', 'stopped', 'failed')`),
  ],
);
