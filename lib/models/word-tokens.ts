// The starter models' word tokenizer, shared by model building, training and serving so that
// all three see identical tokens (word-tokens.test.ts pins this down).
const RUN = /[\p{L}\p{M}\p{N}]+/gu;
/** Han, Hiragana, Katakana, and the marks that belong inside Japanese words. */
const JAPANESE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}ー々〆ヵヶ]+/gu;
const HAS_JAPANESE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;

let segmenter: Intl.Segmenter | undefined;

/** Japanese has no spaces: its runs are split into words by ICU's dictionary segmenter. */
function japaneseWords(run: string): string[] {
  segmenter ??= new Intl.Segmenter("ja", { granularity: "word" });
  const out: string[] = [];
  for (const s of segmenter.segment(run)) if (s.isWordLike) out.push(s.segment);
  return out;
}

/**
 * Lower-cased runs of letters and digits, after NFKC normalisation (which also folds full-width and
 * half-width forms); Japanese runs inside them are segmented into words.
 */
export function wordTokens(text: string): string[] {
  const runs = text.normalize("NFKC").toLowerCase().match(RUN) ?? [];
  if (!runs.some((r) => HAS_JAPANESE.test(r))) return runs;
  const out: string[] = [];
  for (const run of runs) {
    if (!HAS_JAPANESE.test(run)) {
      out.push(run);
      continue;
    }
    let at = 0;
    for (const m of run.matchAll(JAPANESE)) {
      if (m.index > at) out.push(run.slice(at, m.index));
      out.push(...japaneseWords(m[0]));
      at = m.index + m[0].length;
    }
    if (at < run.length) out.push(run.slice(at));
  }
  return out;
}

/** FNV-1a 32-bit hash of a token, as a signed int32: the reranker's exact-match signal. */
export function tokenHash(token: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < token.length; i++) {
    h ^= token.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}
