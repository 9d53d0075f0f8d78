import { sql } from "drizzle-orm";
import { check, customType, index, integer, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users, workspaces } from "./auth";

// drizzle 0.45 has no bytea column; PGlite returns Uint8Array, postgres.js a Buffer (a Uint8Array too).
const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => "bytea",
  fromDriver: (value) => (value instanceof Uint8Array ? value : new Uint8Array(value as ArrayLike<number>)),
});

export const documentStatuses = ["queued", "processing", "ready", "failed"] as const;
export type DocumentStatus = (typeof documentStatuses)[number];

export const documents = pgTable(
  "documents",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    // Who may read, search, share and delete it; deleting the user deletes the document.
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    // Shared (read-only) with this workspace's members; null: private to the owner.
    workspaceId: uuid("workspace_id").references(() => workspaces.id, { onDelete: "set null" }),
    name: text("name").notNull(),
    type: text("type").notNull(),
    size: integer("size").notNull(),
    sha256: text("sha256").notNull(),
    status: text("status", { enum: documentStatuses }).notNull().default("queued"),
    error: text("error"),
    // The uploaded bytes, stored before the upload is acknowledged so a crash loses nothing.
    raw: bytea("raw").notNull(),
    // Parsed text; null until the document is ready.
    text: text("text"),
    progressStage: text("progress_stage").notNull().default("queued"),
    progressDone: integer("progress_done").notNull().default(0),
    progressTotal: integer("progress_total").notNull().default(0),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("documents_created_idx").on(t.createdAt),
    index("documents_owner_sha256_idx").on(t.ownerId, t.sha256),
    index("documents_owner_created_idx").on(t.ownerId, t.createdAt),
    index("documents_workspace_idx").on(t.workspaceId),
    index("documents_status_idx").on(t.status),
    check("documents_status_check", sql`${t.status} IN ('queued', 'processing', 'ready', 'failed')`),
  ],
);

export const ingestJobStates = ["queued", "running"] as const;

// Pending ingestion work, one row per document until it is ready or failed (then the row is deleted).
// A 'running' row whose lease (locked_at) has expired belongs to a dead worker and is claimed again; a
// 'queued' row is claimable from run_after on (retries wait with exponential backoff).
export const ingestJobs = pgTable(
  "ingest_jobs",
  {
    documentId: uuid("document_id")
      .primaryKey()
      .references(() => documents.id, { onDelete: "cascade" }),
    state: text("state", { enum: ingestJobStates }).notNull().default("queued"),
    attempts: integer("attempts").notNull().default(0),
    lockedAt: timestamp("locked_at", { withTimezone: true }),
    lockedBy: text("locked_by"),
    runAfter: timestamp("run_after", { withTimezone: true }).notNull().defaultNow(),
    // The error of the last failed attempt, kept for the final message once attempts run out.
    lastError: text("last_error"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("ingest_jobs_state_idx").on(t.state, t.createdAt),
    index("ingest_jobs_run_after_idx").on(t.state, t.runAfter),
    check("ingest_jobs_state_check", sql`${t.state} IN ('queued', 'running')`),
  ],
);
