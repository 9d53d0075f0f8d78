// The SQL side of lib/text/analyze.ts: the one tsvector BM25 indexes and queries with, on PGlite and
// PostgreSQL alike. Latin text goes through to_tsvector('english', …) as it always did; Japanese terms
// arrive already analysed and encoded as ASCII lexemes in a tsvector literal, which the tsvector input
// function reads verbatim (no parser, dictionary or locale involved), and the two are concatenated.
import { sql, type SQL } from "drizzle-orm";
import {
  analyzeForIndex,
  encodeJapaneseTerm,
  foldKana,
  japaneseTsvectorLiteral,
  normalizeText,
} from "@/lib/text/analyze";
import { num, queryRows, type Executor } from "./sql";

/**
 * The analysed tsvector of a text (a chunk, or a query: BM25 uses its distinct lexemes). For text without
 * Japanese this is exactly to_tsvector('english', NFKC(text)) — for ASCII text, to_tsvector('english', text).
 */
export function lexicalTsvector(text: string): SQL {
  const { latin, japaneseTerms } = analyzeForIndex(text);
  if (japaneseTerms.length === 0) return sql`to_tsvector('english', ${latin}::text)`;
  return sql`(to_tsvector('english', ${latin}::text) || ${japaneseTsvectorLiteral(japaneseTerms)}::tsvector)`;
}

const JAPANESE_RUNS = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u30FC\u3006\u3099-\u309C]+/gu;

/**
 * The encoded Japanese lexeme a single query word stands for (its longest Japanese run, NFKC and
 * kana-folded: a Segmenter word, a bigram or a one-character run's unigram in the index), or null for a
 * word without Japanese characters (it keeps its english lexeme).
 */
export function japaneseWordLexeme(word: string): string | null {
  const runs = normalizeText(word).match(JAPANESE_RUNS);
  if (!runs) return null;
  const longest = runs.reduce((a, b) => ([...b].length > [...a].length ? b : a));
  return encodeJapaneseTerm(foldKana(longest));
}

// Quotes one element of a Postgres text[] literal.
export function arrayElement(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

export const textArray = (xs: string[]): SQL => sql`${`{${xs.map(arrayElement).join(",")}}`}::text[]`;

/**
 * What chunk_terms stores for each text (lexeme → occurrences), computed by the database itself with the
 * analysis ingest uses. Encoded Japanese lexemes can be read back with decodeJapaneseTerm.
 */
export async function analyzeLexical({
  db,
  texts,
}: {
  db: Executor;
  texts: string[];
}): Promise<Record<string, number>[]> {
  const out: Record<string, number>[] = texts.map(() => ({}));
  // One statement per text keeps each literal a single bound parameter; tests and evaluation only.
  for (const [i, text] of texts.entries()) {
    const rows = await queryRows<{ lexeme: string; tf: unknown }>(
      db,
      sql`SELECT t.lexeme, coalesce(array_length(t.positions, 1), 1) AS tf FROM unnest(${lexicalTsvector(text)}) AS t`,
    );
    for (const r of rows) out[i][r.lexeme] = num(r.tf);
  }
  return out;
}
