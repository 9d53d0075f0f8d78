import { wordTokens } from "./word-tokens";

// Lazy word tokenisation for the worker: the model sees at most MAX_TOKENS words, so a 5 MB passage
// should not become a million-element string array. The text is tokenised in slices cut at
// separators (whitespace, common punctuation) that no normalisation turns into a word character, so
// the tokens are exactly wordTokens(text)'s; at most `keep` of them are kept, the rest only counted.

const SLICE_CHARS = 16 * 1024;
const SEPARATOR = /[\s.,;:!?()[\]{}"'<>/\\|、。，．！？「」『』（）・]/u;

function* slices(text: string): Generator<string> {
  let at = 0;
  while (at < text.length) {
    let end = Math.min(text.length, at + SLICE_CHARS);
    if (end < text.length) {
      let cut = end;
      while (cut > at && !SEPARATOR.test(text[cut])) cut--;
      if (cut === at) {
        // No separator in this slice (one huge word): extend to the next separator instead.
        cut = end;
        while (cut < text.length && !SEPARATOR.test(text[cut])) cut++;
      }
      end = cut;
    }
    yield text.slice(at, end);
    at = end;
  }
}

/** The first `keep` word tokens of `text` and how many tokens there are in all. */
export function firstWordTokens(text: string, keep: number): { tokens: string[]; total: number } {
  if (text.length <= SLICE_CHARS) {
    const all = wordTokens(text);
    return { tokens: all.length > keep ? all.slice(0, keep) : all, total: all.length };
  }
  const tokens: string[] = [];
  let total = 0;
  for (const slice of slices(text)) {
    const words = wordTokens(slice);
    total += words.length;
    for (let i = 0; i < words.length && tokens.length < keep; i++) tokens.push(words[i]);
  }
  return { tokens, total };
}
