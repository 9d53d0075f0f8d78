import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { chunks } from "./chunks";

// A pgvector `vector` of any size: each embedder's rows have one size, which its partial HNSW index
// (created with the embedder, db/queries/embedders.ts) casts to, so a row of another size cannot be stored.
const anyVector = customType<{ data: number[]; driverData: string }>({
  dataType: () => "vector",
  toDriver: (v) => `[${v.join(",")}]`,
  fromDriver: (v) => JSON.parse(v) as number[],
});

export type EmbedderState = "active" | "building" | "retired";

/**
 * The embedders whose vectors are stored: the one serving queries (active, exactly one), the one the
 * configuration asks for while the corpus is re-embedded with it (building, at most one), and one just
 * replaced whose vectors are being removed (retired). A building row is also the re-embedding job: its
 * lease (locked_by, locked_at) says which process is working on it.
 */
export const embedders = pgTable(
  "embedders",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    // The identity vectors are recorded under: model id, version (revision or checksum) and dimension.
    key: text("key").notNull(),
    modelId: text("model_id").notNull(),
    version: text("version").notNull(),
    dimension: integer("dimension").notNull(),
    // How to load it again (lib/models/embedder-source.ts), so queries keep using it during a switch.
    source: jsonb("source").notNull(),
    state: text("state").$type<EmbedderState>().notNull(),
    lockedBy: text("locked_by"),
    lockedAt: timestamp("locked_at", { withTimezone: true }),
    lastError: text("last_error"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    activatedAt: timestamp("activated_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("embedders_key_idx").on(t.key),
    uniqueIndex("embedders_one_active_idx")
      .on(t.state)
      .where(sql`${t.state} = 'active'`),
    uniqueIndex("embedders_one_building_idx")
      .on(t.state)
      .where(sql`${t.state} = 'building'`),
    check("embedders_state_check", sql`${t.state} IN ('active', 'building', 'retired')`),
    check("embedders_dimension_check", sql`${t.dimension} BETWEEN 1 AND 16000`),
  ],
);

/** One vector per chunk and embedder. */
export const chunkEmbeddings = pgTable(
  "chunk_embeddings",
  {
    embedderId: integer("embedder_id")
      .notNull()
      .references(() => embedders.id, { onDelete: "cascade" }),
    chunkId: bigint("chunk_id", { mode: "number" })
      .notNull()
      .references(() => chunks.id, { onDelete: "cascade" }),
    embedding: anyVector("embedding").notNull(),
  },
  (t) => [
    primaryKey({ name: "chunk_embeddings_pk", columns: [t.embedderId, t.chunkId] }),
    // The cascade from chunks deletes by chunk_id.
    index("chunk_embeddings_chunk_idx").on(t.chunkId),
  ],
);
