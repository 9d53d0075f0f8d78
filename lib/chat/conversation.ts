// Pure helpers of saved conversations (no database, no React): titles and stopped answers.

const TITLE_CHARS = 80;

/** A conversation's title: its first question on one line, cut at a word near 80 characters. */
export function titleOf(question: string): string {
  const line = question.replace(/\s+/g, " ").trim();
  if ([...line].length <= TITLE_CHARS) return line;
  const cut = [...line].slice(0, TITLE_CHARS).join("");
  const space = cut.lastIndexOf(" ");
  return `${(space > TITLE_CHARS / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** The citation numbers an answer text uses: [1], [1, 2] and [1][3]. */
export function citedNumbers(text: string): Set<number> {
  const cited = new Set<number>();
  for (const match of text.matchAll(/\[(\d+(?:\s*,\s*\d+)*)\]/g)) {
    for (const part of match[1].split(",")) cited.add(Number(part.trim()));
  }
  return cited;
}

/**
 * A stopped answer as the user saw it: the first `chars` characters, and only the citations that text
 * still uses. `chars` beyond the text keeps it whole.
 */
export function cutAnswer<C extends { n: number }>(
  answer: string,
  citations: C[],
  chars: number,
): { answer: string; citations: C[] } {
  const text = answer.slice(0, Math.max(0, chars));
  const cited = citedNumbers(text);
  return { answer: text, citations: citations.filter((c) => cited.has(c.n)) };
}
