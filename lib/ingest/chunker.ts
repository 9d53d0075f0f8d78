import { tokenize, type TokenSpan } from "./tokens";

// Token-aware recursive splitter. Every gap between two tokens gets a break strength
// (paragraph > line > sentence > word > inside a word); a chunk ends at the strongest break within
// `size` tokens of its start, the latest one of that strength. That is what splitting by paragraphs,
// then lines, sentences and words, and greedily merging the pieces produces, without copying text:
// chunks are token ranges, so their character offsets into the source are exact.

export interface Chunk {
  position: number;
  text: string;
  charStart: number;
  charEnd: number;
  tokenCount: number;
}

export interface ChunkOptions {
  size?: number;
  overlap?: number;
}

export const CHUNK_SIZE_MIN = 100;
export const CHUNK_SIZE_MAX = 600;
export const DEFAULT_CHUNK_SIZE = 400;
export const DEFAULT_CHUNK_OVERLAP = 50;

const enum Break {
  None = 0,
  Word = 1,
  Sentence = 2,
  Line = 3,
  Paragraph = 4,
}

const SENTENCE_END = /^[.!?…。！？．｡]$/u;
// Japanese sentence ends: no space follows them, so they end a sentence on their own.
const FULLWIDTH_SENTENCE_END = /^[。！？．｡]$/u;
const CLOSER = /^["'”’»)\]」』）】〉》〕＂＇]$/u;
// Half-width ! ? in Japanese text, directly followed by kana or kanji, end a sentence too: 「本当!次は…」
const CJK_START = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}「『（【]/u;

export function validateChunkOptions({ size = DEFAULT_CHUNK_SIZE, overlap = DEFAULT_CHUNK_OVERLAP }: ChunkOptions) {
  if (!Number.isInteger(size) || size < CHUNK_SIZE_MIN || size > CHUNK_SIZE_MAX) {
    throw new RangeError(
      `Chunk size must be an integer between ${CHUNK_SIZE_MIN} and ${CHUNK_SIZE_MAX} tokens (got ${size})`,
    );
  }
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= size) {
    throw new RangeError(
      `Chunk overlap must be an integer from 0 to less than the chunk size ${size} (got ${overlap})`,
    );
  }
  return { size, overlap };
}

export function chunkText(text: string, options: ChunkOptions = {}): Chunk[] {
  const { size, overlap } = validateChunkOptions(options);
  const tokens = tokenize(text);
  const n = tokens.length;
  if (n === 0) return [];

  // breaks[i] = strength of the gap before token i (i in 1..n-1).
  const breaks = new Uint8Array(n);
  for (let i = 1; i < n; i++) breaks[i] = breakBefore(text, tokens, i);

  const chunks: Chunk[] = [];
  let start = 0;
  let prevEnd = 0;
  for (;;) {
    // A chunk must reach past the previous one's end, or overlapping starts would repeat the same text.
    const end = start + size >= n ? n : chooseEnd(breaks, Math.max(start, prevEnd), start + size);
    chunks.push(makeChunk(text, tokens, chunks.length, start, end));
    if (end >= n) break;
    start = overlap === 0 ? end : overlapStart(breaks, start, end, overlap);
    prevEnd = end;
  }
  return chunks;
}

function breakBefore(text: string, tokens: TokenSpan[], i: number): Break {
  const gap = text.slice(tokens[i - 1].end, tokens[i].start);
  if (gap.length > 0) {
    // A form feed separates the pages of a PDF (parse.ts): as strong as a paragraph break.
    if (gap.includes("\f")) return Break.Paragraph;
    const newlines = countNewlines(gap);
    if (newlines >= 2) return Break.Paragraph;
    if (newlines === 1) return Break.Line;
  }
  if (endsSentence(text, tokens, i - 1)) {
    if (gap.length > 0) return Break.Sentence;
    // 。」 stays together: a closing bracket right after the terminator belongs to the sentence.
    if (CLOSER.test(tokenText(text, tokens[i]))) return Break.None;
    if (isFullwidthEnd(text, tokens, i - 1)) return Break.Sentence;
    if (CJK_START.test(tokenText(text, tokens[i]))) return Break.Sentence;
  }
  return gap.length > 0 ? Break.Word : Break.None;
}

function countNewlines(gap: string): number {
  let n = 0;
  for (let k = 0; k < gap.length; k++) if (gap.charCodeAt(k) === 10) n++;
  return n;
}

function tokenText(text: string, t: TokenSpan) {
  return text.slice(t.start, t.end);
}

/** The terminator a sentence ends with at token `last`, looking back over closing quotes/brackets; -1 if none. */
function terminatorOf(text: string, tokens: TokenSpan[], last: number): number {
  let k = last;
  // Closing quotes or brackets right after the terminator: `He said "no." Then…`, 「はい。」』
  while (k > 0 && CLOSER.test(tokenText(text, tokens[k])) && tokens[k - 1].end === tokens[k].start) k--;
  return SENTENCE_END.test(tokenText(text, tokens[k])) ? k : -1;
}

function endsSentence(text: string, tokens: TokenSpan[], last: number): boolean {
  return terminatorOf(text, tokens, last) >= 0;
}

function isFullwidthEnd(text: string, tokens: TokenSpan[], last: number) {
  const k = terminatorOf(text, tokens, last);
  return k >= 0 && FULLWIDTH_SENTENCE_END.test(tokenText(text, tokens[k]));
}

/** The latest gap of the strongest kind in (after, limit]; `limit` itself is a gap since limit < n. */
function chooseEnd(breaks: Uint8Array, after: number, limit: number): number {
  let best = limit;
  let bestStrength = breaks[limit];
  for (let i = limit - 1; i > after && bestStrength < Break.Paragraph; i--) {
    if (breaks[i] > bestStrength) {
      best = i;
      bestStrength = breaks[i];
    }
  }
  return best;
}

/**
 * The next chunk starts about `overlap` tokens before the previous one ended, moved forward (by at most
 * half the overlap) to the start of a word so the shared text does not begin mid-word.
 */
function overlapStart(breaks: Uint8Array, prevStart: number, prevEnd: number, overlap: number): number {
  const target = Math.max(prevStart + 1, prevEnd - overlap);
  const latest = Math.min(prevEnd, target + Math.floor(overlap / 2));
  for (let i = target; i < latest; i++) if (breaks[i] >= Break.Word) return i;
  return target;
}

function makeChunk(text: string, tokens: TokenSpan[], position: number, start: number, end: number): Chunk {
  const charStart = tokens[start].start;
  const charEnd = tokens[end - 1].end;
  return { position, text: text.slice(charStart, charEnd), charStart, charEnd, tokenCount: end - start };
}
