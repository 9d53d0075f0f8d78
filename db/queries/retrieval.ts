import { sql, type SQL } from "drizzle-orm";
import { toSql } from "pgvector";
import { normalizeText } from "@/lib/text/analyze";
import { documentVisibleTo, LOCAL_VIEWER, type Viewer } from "./access";
import { embedderVectors, getActiveEmbedder, getEmbedderById } from "./embedders";
import { arrayElement, japaneseWordLexeme, lexicalTsvector, textArray } from "./lexical";
import { num, queryRows, type Executor } from "./sql";

export { analyzeLexical } from "./lexical";

export const BM25_DEFAULTS = { k1: 0.9, b: 0.4 } as const;

export type ScoredChunk = { chunkId: number; score: number };

export type ChunkWithDocument = {
  chunkId: number;
  documentId: string;
  documentName: string;
  text: string;
  charStart: number;
  charEnd: number;
  position: number;
};

// Filtered dense search scans exactly (no index) when the filter leaves at most this many chunks:
// exact is then both cheap and guaranteed to return k rows.
const EXACT_SCAN_MAX_ROWS = 20_000;

// Postgres array literal bound as one parameter; both drivers accept it with an explicit cast.
function toUuidArray(ids: string[]): SQL {
  return sql`${`{${ids.join(",")}}`}::uuid[]`;
}

/**
 * Okapi BM25 with Lucene's idf, ln(1 + (N - df + 0.5) / (df + 0.5)), over the chunk_terms postings.
 * N, avgdl and df are corpus-wide (a documentIds filter only restricts which chunks are returned).
 * Query terms: the distinct lexemes of the query analysed as chunks are (lexicalTsvector: english lexemes
 * of its Latin text, encoded Japanese words and bigrams).
 *
 * Cost is the postings of the query terms only, whatever the planner's statistics say: N and the total
 * length come from the one corpus_stats row, each term's postings are one lookup on the (term, chunk_id)
 * primary key (OFFSET 0 keeps the lateral subquery from being flattened into a hash join over the whole
 * table when the tables were never analyzed), and each posting carries its chunk's length (doc_len).
 */
export async function searchBm25({
  db,
  query,
  k,
  k1 = BM25_DEFAULTS.k1,
  b = BM25_DEFAULTS.b,
  documentIds,
}: {
  db: Executor;
  query: string;
  k: number;
  k1?: number;
  b?: number;
  documentIds?: string[];
}): Promise<ScoredChunk[]> {
  if (documentIds && documentIds.length === 0) return [];
  const filter = documentIds
    ? sql`WHERE p.chunk_id IN (SELECT id FROM chunks WHERE document_id = ANY(${toUuidArray(documentIds)}))`
    : sql``;
  const rows = await queryRows<{ chunk_id: unknown; score: unknown }>(
    db,
    sql`
      WITH q AS (
        SELECT DISTINCT lexeme AS term FROM unnest(${lexicalTsvector(query)})
      ),
      stats AS (
        SELECT chunk_count::float8 AS n,
               CASE WHEN chunk_count > 0 THEN lexeme_total::float8 / chunk_count ELSE 0 END AS avgdl
        FROM corpus_stats WHERE id = 1
      ),
      p AS MATERIALIZED (
        SELECT q.term, ct.chunk_id, ct.tf, ct.doc_len
        FROM q CROSS JOIN LATERAL (
          SELECT chunk_id, tf, doc_len FROM chunk_terms WHERE term = q.term OFFSET 0
        ) ct
      ),
      idf AS (
        SELECT p.term, ln(1 + (stats.n - count(*) + 0.5) / (count(*) + 0.5)) AS idf
        FROM p CROSS JOIN stats
        GROUP BY p.term, stats.n
      )
      SELECT p.chunk_id,
             sum(idf.idf * p.tf * (${k1}::float8 + 1)
                 / (p.tf + ${k1}::float8 * (1 - ${b}::float8 + ${b}::float8 * p.doc_len / stats.avgdl))) AS score
      FROM p
      JOIN idf ON idf.term = p.term
      CROSS JOIN stats
      ${filter}
      GROUP BY p.chunk_id
      ORDER BY score DESC, p.chunk_id ASC
      LIMIT ${k}`,
  );
  return rows.map((r) => ({ chunkId: num(r.chunk_id), score: num(r.score) }));
}

/**
 * Cosine similarity (1 - pgvector's <=> distance) against one embedder's vectors (`embedderId`, default
 * the active one), best first, ties by chunk id. The query vector must have that embedder's size: the
 * vectors of different embedders are never compared. Unfiltered: the embedder's partial HNSW index with
 * ef_search = max(2k, 100) and iterative scan, so k rows come back whenever there are. Filtered: an exact
 * scan over the selected documents' chunks when they are few, else the index with iterative scan (strict
 * order) continuing past the filter. An embedder with no row (dropped meanwhile) finds nothing.
 */
export async function searchDense({
  db,
  embedding,
  k,
  documentIds,
  embedderId,
}: {
  db: Executor;
  embedding: Float32Array | number[];
  k: number;
  documentIds?: string[];
  embedderId?: number;
}): Promise<ScoredChunk[]> {
  if (documentIds && documentIds.length === 0) return [];
  const efSearch = Math.min(1000, Math.max(2 * k, 100)); // pgvector caps ef_search at 1000
  const rows = await db.transaction(async (tx) => {
    const embedder =
      embedderId === undefined
        ? await getActiveEmbedder({ db: tx })
        : await getEmbedderById({ db: tx, id: embedderId });
    if (!embedder) return [];
    if (embedding.length !== embedder.dimension) {
      throw new Error(
        `the query vector has ${embedding.length} dimensions, embedder ${embedder.key} stores ${embedder.dimension}`,
      );
    }
    const { column, predicate, cast } = embedderVectors(embedder);
    const vec = sql`${toSql(Array.from(embedding))}${cast}`;
    const inDocuments = documentIds
      ? sql`AND chunk_id IN (SELECT id FROM chunks WHERE document_id = ANY(${toUuidArray(documentIds)}))`
      : sql``;
    let exact = false;
    if (documentIds) {
      const [{ n }] = await queryRows<{ n: unknown }>(
        tx,
        sql`SELECT count(*) AS n FROM chunks WHERE document_id = ANY(${toUuidArray(documentIds)})`,
      );
      exact = num(n) <= EXACT_SCAN_MAX_ROWS;
    }
    if (exact) {
      // MATERIALIZED keeps the planner from using the HNSW index: a plain, exact sort.
      return queryRows<{ id: unknown; distance: unknown }>(
        tx,
        sql`
          WITH cand AS MATERIALIZED (
            SELECT chunk_id AS id, ${column} AS embedding FROM chunk_embeddings
            WHERE ${predicate} ${inDocuments}
          )
          SELECT id, embedding <=> ${vec} AS distance FROM cand
          ORDER BY distance, id
          LIMIT ${k}`,
      );
    }
    // SET LOCAL takes no bind parameters; the values are integers we computed.
    await tx.execute(sql.raw(`SET LOCAL hnsw.ef_search = ${efSearch}`));
    await tx.execute(sql.raw(`SET LOCAL hnsw.iterative_scan = strict_order`));
    if (documentIds) await tx.execute(sql.raw(`SET LOCAL hnsw.max_scan_tuples = 1000000`));
    return queryRows<{ id: unknown; distance: unknown }>(
      tx,
      sql`
        SELECT id, distance FROM (
          SELECT chunk_id AS id, ${column} <=> ${vec} AS distance FROM chunk_embeddings
          WHERE ${predicate} ${inDocuments}
          ORDER BY ${column} <=> ${vec}
          LIMIT ${k}
        ) nearest
        ORDER BY distance, id`,
    );
  });
  return rows.map((r) => ({ chunkId: num(r.id), score: 1 - num(r.distance) }));
}

/**
 * Lucene idf of each word's lexeme over chunk_terms: its english lexeme, or for a word with Japanese
 * characters its encoded Japanese term (japaneseWordLexeme); a word with no lexeme (a stopword) → 0.
 * Keys are the words as given.
 */
export async function getTermIdf({ db, words }: { db: Executor; words: string[] }): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const unique = [...new Set(words)];
  if (unique.length === 0) return out;
  const latin = unique.map((w) => normalizeText(w));
  const japanese = unique.map((w) => japaneseWordLexeme(w) ?? "");
  const rows = await queryRows<{ i: unknown; idf: unknown }>(
    db,
    sql`
      WITH w AS (
        SELECT x.i,
               CASE WHEN x.ja <> '' THEN x.ja
                    ELSE (SELECT t.lexeme FROM unnest(to_tsvector('english', x.word)) t ORDER BY t.positions[1], t.lexeme LIMIT 1)
               END AS term
        FROM unnest(${textArray(latin)}, ${textArray(japanese)}) WITH ORDINALITY AS x(word, ja, i)
      ),
      stats AS (SELECT chunk_count::float8 AS n FROM corpus_stats WHERE id = 1)
      SELECT w.i,
             CASE WHEN w.term IS NULL THEN 0
                  ELSE ln(1 + (stats.n - df.df + 0.5) / (df.df + 0.5)) END AS idf
      FROM w CROSS JOIN stats
      LEFT JOIN LATERAL (SELECT count(*)::float8 AS df FROM chunk_terms ct WHERE ct.term = w.term) df ON true`,
  );
  for (const r of rows) out[unique[num(r.i) - 1]] = num(r.idf);
  return out;
}

/**
 * Chunks with their document, in the order asked, limited to documents the viewer may read: the one
 * way passage text leaves the database for a search, so it filters again whatever produced the ids.
 */
export async function getChunksByIds({
  db,
  ids,
  viewer = LOCAL_VIEWER,
}: {
  db: Executor;
  ids: number[];
  viewer?: Viewer;
}): Promise<ChunkWithDocument[]> {
  if (ids.length === 0) return [];
  const rows = await queryRows<{
    id: unknown;
    document_id: string;
    document_name: string;
    text: string;
    char_start: unknown;
    char_end: unknown;
    position: unknown;
  }>(
    db,
    sql`
      SELECT c.id, c.document_id, d.name AS document_name, c.text, c.char_start, c.char_end, c.position
      FROM chunks c JOIN documents d ON d.id = c.document_id
      WHERE c.id = ANY(${`{${ids.map((id) => Math.trunc(id)).join(",")}}`}::bigint[])
        AND ${documentVisibleTo(viewer)}`,
  );
  const byId = new Map(
    rows.map((r) => [
      num(r.id),
      {
        chunkId: num(r.id),
        documentId: r.document_id,
        documentName: r.document_name,
        text: r.text,
        charStart: num(r.char_start),
        charEnd: num(r.char_end),
        position: num(r.position),
      },
    ]),
  );
  // In the order asked for; unknown ids (deleted since, or not the viewer's) are left out.
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/**
 * The english analyser's output for each text: lexeme → occurrences (what chunk_terms stores for a chunk).
 * For tests and evaluation that need the database's own stemming.
 */
export async function analyzeEnglish({
  db,
  texts,
}: {
  db: Executor;
  texts: string[];
}): Promise<Record<string, number>[]> {
  if (texts.length === 0) return [];
  const rows = await queryRows<{ i: unknown; lexeme: string; tf: unknown }>(
    db,
    sql`
      SELECT x.i, t.lexeme, coalesce(array_length(t.positions, 1), 1) AS tf
      FROM unnest(${`{${texts.map(arrayElement).join(",")}}`}::text[]) WITH ORDINALITY AS x(text, i),
           unnest(to_tsvector('english', x.text)) AS t`,
  );
  const out: Record<string, number>[] = texts.map(() => ({}));
  for (const r of rows) out[num(r.i) - 1][r.lexeme] = num(r.tf);
  return out;
}
