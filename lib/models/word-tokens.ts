// The starter models' word tokenizer, shared by model building, training and serving so that
// all three see identical tokens (word-tokens.test.ts pins this down).
const WORD = /[\p{L}\p{N}]+/gu;

/** Lower-cased runs of letters and digits, after NFKC normalisation. */
export function wordTokens(text: string): string[] {
  return text.normalize("NFKC").toLowerCase().match(WORD) ?? [];
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
