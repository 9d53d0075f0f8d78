import type { SearchResultRow } from "@/lib/retrieval/search";

/** One of the top-n passages an answer is grounded in; `n` is its citation number (1-based). */
export type AnswerPassage = Pick<
  SearchResultRow,
  "chunkId" | "documentId" | "documentName" | "text" | "charStart" | "charEnd"
> & {
  n: number;
  /** Final relevance: the rerank score when reranked, else the fused score. */
  score: number;
};

/** A `[n]` marker resolved to the chunk it cites; charStart/charEnd are the chunk's offsets in its document. */
export interface Citation {
  n: number;
  chunkId: number;
  documentId: string;
  charStart: number;
  charEnd: number;
}

export const NOT_FOUND_ANSWER = "I could not find this in your documents.";

/** The first `topN` rows of a ranking, numbered for citation. */
export function passagesFromResults(results: SearchResultRow[], topN: number): AnswerPassage[] {
  return results.slice(0, topN).map((row, i) => ({
    n: i + 1,
    chunkId: row.chunkId,
    documentId: row.documentId,
    documentName: row.documentName,
    text: row.text,
    charStart: row.charStart,
    charEnd: row.charEnd,
    score: row.rerankScore ?? row.fusedScore,
  }));
}

export function citationOf(passage: AnswerPassage): Citation {
  return {
    n: passage.n,
    chunkId: passage.chunkId,
    documentId: passage.documentId,
    charStart: passage.charStart,
    charEnd: passage.charEnd,
  };
}

/** Citations for the `[n]` markers found in a text (also `[1, 2]` and `[1][3]`), ordered by n. */
export function citationsFromText(text: string, passages: AnswerPassage[]): Citation[] {
  const cited = new Set<number>();
  for (const match of text.matchAll(/\[(\d+(?:\s*,\s*\d+)*)\]/g)) {
    for (const part of match[1].split(",")) cited.add(Number(part.trim()));
  }
  return passages.filter((p) => cited.has(p.n)).map(citationOf);
}
