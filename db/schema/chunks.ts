import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  customType,
  index,
  integer,
  pgTable,
  primaryKey,
  smallint,
  text,
  uuid,
} from "drizzle-orm/pg-core";
import { documents } from "./documents";

// A Postgres tsvector, written only through SQL (to_tsvector(...) || literal::tsvector), read as its text form.
const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });

// The starter embedder's dimension. Vectors live in chunk_embeddings (./embedders.ts), one set per embedder.
export const EMBEDDING_DIM = 100;

export const chunks = pgTable(
  "chunks",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    documentId: uuid("document_id")
      .notNull()
      .references(() => documents.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
    text: text("text").notNull(),
    charStart: integer("char_start").notNull(),
    charEnd: integer("char_end").notNull(),
    tokenCount: integer("token_count").notNull(),
    // BM25 document length: lexeme occurrences in `lexical`.
    lexemeCount: integer("lexeme_count").notNull().default(0),
    // The analysed text BM25 indexes (lib/text/analyze.ts): to_tsvector('english', latin part) || the
    // encoded Japanese terms. chunk_terms holds exactly its lexemes and occurrence counts.
    lexical: tsvector("lexical"),
  },
  (t) => [index("chunks_document_idx").on(t.documentId, t.position)],
);

// BM25 postings, filled from unnest(chunks.lexical) in one portable SQL statement so that PGlite and
// PostgreSQL hold identical postings and therefore give identical scores.
export const chunkTerms = pgTable(
  "chunk_terms",
  {
    chunkId: bigint("chunk_id", { mode: "number" })
      .notNull()
      .references(() => chunks.id, { onDelete: "cascade" }),
    term: text("term").notNull(),
    tf: integer("tf").notNull(),
    // The chunk's BM25 length (chunks.lexeme_count) copied into every posting, so scoring reads postings only.
    docLen: integer("doc_len").notNull().default(0),
  },
  (t) => [
    primaryKey({ name: "chunk_terms_pk", columns: [t.term, t.chunkId] }),
    // The cascade from chunks deletes by chunk_id.
    index("chunk_terms_chunk_idx").on(t.chunkId),
  ],
);

// Corpus-wide BM25 statistics in one row (id = 1), kept exact by statement-level triggers on chunks
// (see drizzle/0002_bm25_stats.sql), so a search reads N and avgdl without scanning chunks.
// analyzed_chunk_count: chunk_count when chunks/chunk_terms were last ANALYZEd (PGlite has no autovacuum).
export const corpusStats = pgTable(
  "corpus_stats",
  {
    id: smallint("id").primaryKey().default(1),
    chunkCount: bigint("chunk_count", { mode: "number" }).notNull().default(0),
    lexemeTotal: bigint("lexeme_total", { mode: "number" }).notNull().default(0),
    analyzedChunkCount: bigint("analyzed_chunk_count", { mode: "number" }).notNull().default(0),
  },
  (t) => [check("corpus_stats_single_row", sql`${t.id} = 1`)],
);
