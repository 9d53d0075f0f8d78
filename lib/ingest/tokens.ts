// The one fixed tokenizer for counting chunk tokens. It is deliberately independent of any model's
// vocabulary so that chunk sizes mean the same thing whichever embedder or reranker is configured.
//
// A token is either
//   - one CJK ideograph or kana character (these scripts do not separate words with spaces),
//   - a run of letters, digits and combining marks (marks keep decomposed accents inside their word), or
//   - any single other non-space character (punctuation, symbols, emoji).
// Offsets are UTF-16 code-unit indices into the input, so `text.slice(start, end)` is the token.

export interface TokenSpan {
  start: number;
  end: number;
}

const CJK = String.raw`\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}`;
// `v` flag for set subtraction: word characters that are not CJK. Built with RegExp so the TypeScript
// target does not need to know the flag.
const TOKEN_SOURCE = String.raw`[${CJK}]|[[\p{L}\p{N}\p{M}]--[${CJK}]]+|\S`;

export function tokenize(text: string): TokenSpan[] {
  const re = new RegExp(TOKEN_SOURCE, "gv");
  const spans: TokenSpan[] = [];
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    spans.push({ start: m.index, end: m.index + m[0].length });
  }
  return spans;
}

export function countTokens(text: string): number {
  const re = new RegExp(TOKEN_SOURCE, "gv");
  let n = 0;
  while (re.exec(text) !== null) n++;
  return n;
}
