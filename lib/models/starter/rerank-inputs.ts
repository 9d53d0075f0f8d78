import { hash } from "node:crypto";
import type { RerankCandidate, RerankRequest } from "../types";
import { firstWordTokens } from "../lazy-tokens";
import { tokenHash, wordTokens } from "../word-tokens";
import {
  FIRST_STAGE_FEATURES,
  MAX_QUERY_TOKENS,
  MAX_SEGMENT_TOKENS,
  MAX_SEGMENTS,
  MAX_TOKENS,
} from "./spec";
import type { Vocabulary } from "./vocabulary";

// Model input building for the KNRM reranker: requests → (query, passage) rows → padded tensors.
// One path for serving (the worker, batching rows of several requests) and training (score()).

/**
 * A passage's distinct words (a word is its vocabulary id and token hash), in order of first occurrence,
 * with how often each occurs: what the model reads, since pooling sums over passage words.
 */
export interface PassageWords {
  ids: Int32Array;
  hashes: Int32Array;
  counts: Float32Array;
}

/**
 * A passage as the model reads it: vocabulary ids and token hashes of its first words, in order, its
 * distinct words, and where its segments end (passageSegments).
 */
export interface PassageTokens {
  ids: Int32Array;
  hashes: Int32Array;
  words: PassageWords;
  /** Tokens in the lead: the text before the first blank line (all of it when there is none). */
  lead: number;
  /** End (exclusive token index) of each sentence, ascending; the last is the passage's length. */
  sentenceEnds: Int32Array;
  /** Each segment's (segmentRanges) distinct words, as indices into `words`. */
  segments: Int32Array[];
}

/** One (query, passage) pair, tokenised and truncated, with its first-stage features. */
export interface PairRow {
  query: string[];
  passage: PassageTokens;
  termIdf?: Record<string, number>;
  firstStage: number[];
}

export interface TokenisedRequest {
  query: string[];
  passages: PassageTokens[];
  truncated: number[];
}

/** Encodes a passage's first MAX_TOKENS - 1 tokens (a query has at least one); `total` counts all of them. */
export type PassageEncoder = (text: string) => PassageTokens & { total: number };

/**
 * The reranker graph's inputs (build.ts): pairs grouped by query, each group's distinct words (the union
 * over its passages), each pair's distinct words as indices into all groups' words and their counts.
 */
export interface RerankInputs {
  groups: number;
  queryLength: number;
  /** Distinct words per group (padded to the largest group). */
  groupWords: number;
  pairs: number;
  /** Distinct words per pair (padded to the largest pair). */
  pairWords: number;
  queryIds: Int32Array;
  queryHash: Int32Array;
  queryMask: Float32Array;
  queryIdf: Float32Array;
  wordIds: Int32Array;
  wordHash: Int32Array;
  pairGroup: Int32Array;
  /** Row of the flattened [groups·groupWords] word list. */
  pairWordIndex: Int32Array;
  pairCounts: Float32Array;
  /** Segments per pair (the lead, then sentences; padded) and distinct words per segment (padded). */
  segments: number;
  segmentLength: number;
  /**
   * [pairs·segments·segmentLength] rows of the flattened word list, a segment's distinct words; padding
   * is the row after the last (groups·groupWords), which the graph fills with the lowest similarity.
   */
  segmentWords: Int32Array;
  firstStage: Float32Array;
}

/** First-stage features of each candidate relative to the whole candidate set (see FIRST_STAGE_FEATURES). */
export function firstStageFeatures(candidates: RerankCandidate[], passageTokens: number[]): number[][] {
  const bm25 = candidates.map((c) => c.features?.bm25Score ?? null);
  const vec = candidates.map((c) => c.features?.vectorScore ?? null);
  const present = (xs: (number | null)[]) => xs.filter((x): x is number => x !== null && Number.isFinite(x));
  const bm25Max = Math.max(0, ...present(bm25));
  const vecs = present(vec);
  const vMin = vecs.length ? Math.min(...vecs) : 0;
  const vMax = vecs.length ? Math.max(...vecs) : 0;
  return candidates.map((c, i) => {
    const b = bm25[i];
    const v = vec[i];
    const rank = c.features?.fusedRank ?? i + 1;
    const row = [
      b !== null && bm25Max > 0 ? b / bm25Max : 0,
      b === null ? 1 : 0,
      v === null ? 0 : vMax > vMin ? (v - vMin) / (vMax - vMin) : 1,
      1 / (1 + Math.log(Math.max(1, rank))),
      Math.log1p(passageTokens[i]) / Math.log1p(MAX_TOKENS),
    ];
    if (row.length !== FIRST_STAGE_FEATURES.length) throw new Error("first-stage feature count mismatch");
    return row;
  });
}

const NON_ASCII = /[^\x00-\x7f]/;
const ASCII_RUN = /[a-z0-9]+/g;
const ASCII_FAST_PATH_CHARS = 16 * 1024;

/**
 * firstWordTokens for pure-ASCII text, without NFKC or the Unicode regex: every ASCII character is
 * NFKC-stable, and among ASCII characters [\p{L}\p{M}\p{N}] is exactly [A-Za-z0-9], so the tokens are
 * wordTokens(text)'s (rerank-inputs.test.ts checks this). Null when the text is not ASCII or is long.
 */
export function asciiFirstWordTokens(text: string, keep: number): { tokens: string[]; total: number } | null {
  // Long texts take the lazy path, which never materialises more than `keep` tokens.
  if (text.length > ASCII_FAST_PATH_CHARS || NON_ASCII.test(text)) return null;
  const all = text.toLowerCase().match(ASCII_RUN) ?? [];
  return { tokens: all.length > keep ? all.slice(0, keep) : all, total: all.length };
}

const PASSAGE_KEEP = MAX_TOKENS - 1;

/**
 * Segment boundaries: the first blank line ends the lead; a sentence ends after . ! ? before white
 * space, after 。！？, and at a blank line. Each cut falls on characters that are never part of a word
 * (lazy-tokens.ts), so the pieces' tokens, concatenated, are the text's.
 */
const BLANK_LINE = /\n[^\S\n]*\n\s*/;
const SENTENCE_END = /(?<=[.!?])\s+|(?<=[。！？])\s*|\n[^\S\n]*\n\s*/g;

function countTokens(piece: string): number {
  return (asciiFirstWordTokens(piece, 0) ?? firstWordTokens(piece, 0)).total;
}

/**
 * Where a passage's lead and sentences end, in tokens, within its first `kept` tokens (of `total`).
 * Counting stops at `kept`. Should the pieces' counts disagree with the text's (they never should), the
 * passage is one sentence and its own lead.
 */
export function passageSegments(text: string, kept: number, total: number): { lead: number; sentenceEnds: Int32Array } {
  const blank = BLANK_LINE.exec(text);
  const ends: number[] = [];
  let lead = -1;
  let at = 0;
  let count = 0;
  const cut = (end: number) => {
    count += countTokens(text.slice(at, end));
    const e = Math.min(count, kept);
    if (e > (ends[ends.length - 1] ?? 0)) ends.push(e);
  };
  let stopped = false;
  for (const m of text.matchAll(SENTENCE_END)) {
    cut(m.index);
    at = m.index + m[0].length;
    if (blank && lead < 0 && at > blank.index) lead = Math.min(count, kept);
    if ((stopped = count >= kept)) break;
  }
  if (!stopped) cut(text.length);
  if (stopped ? count > total : count !== total) return { lead: kept, sentenceEnds: Int32Array.of(kept) };
  return { lead: lead < 0 ? kept : lead, sentenceEnds: Int32Array.from(ends) };
}

export function encodePassage(text: string, vocab: Vocabulary): PassageTokens & { total: number } {
  const { tokens, total } = asciiFirstWordTokens(text, PASSAGE_KEEP) ?? firstWordTokens(text, PASSAGE_KEEP);
  const ids = new Int32Array(tokens.length);
  const hashes = new Int32Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) {
    ids[i] = vocab.id(tokens[i]);
    hashes[i] = tokenHash(tokens[i]);
  }
  const passage = { ids, hashes, words: distinctWords(ids, hashes), ...passageSegments(text, tokens.length, total) };
  return { ...passage, segments: segmentWords(passage), total };
}

/** The distinct words of each of a passage's segments (segmentRanges), as indices into its words. */
export function segmentWords(passage: Omit<PassageTokens, "segments">): Int32Array[] {
  const key = (id: number, hash: number) => (id > 0 ? id : -1 - (hash >>> 0)); // as distinctWords tells words apart
  const index = new Map<number, number>();
  for (let j = 0; j < passage.words.ids.length; j++) index.set(key(passage.words.ids[j], passage.words.hashes[j]), j);
  const seen = new Int32Array(passage.words.ids.length).fill(-1);
  return segmentRanges(passage).map(([a, b], k) => {
    const out: number[] = [];
    for (let t = a; t < b; t++) {
      const j = index.get(key(passage.ids[t], passage.hashes[t]))!;
      if (seen[j] !== k) {
        seen[j] = k;
        out.push(j);
      }
    }
    return Int32Array.from(out);
  });
}

/** The segments a pair's tokens form: the lead, then sentences cut to MAX_SEGMENT_TOKENS; at most MAX_SEGMENTS. */
export function segmentRanges(passage: Pick<PassageTokens, "ids" | "lead" | "sentenceEnds">): [number, number][] {
  const n = passage.ids.length;
  const out: [number, number][] = [[0, Math.min(passage.lead, n, MAX_SEGMENT_TOKENS)]];
  let start = 0;
  for (const sentenceEnd of passage.sentenceEnds) {
    const end = Math.min(sentenceEnd, n);
    for (let s = start; s < end && out.length < MAX_SEGMENTS; s += MAX_SEGMENT_TOKENS) {
      out.push([s, Math.min(end, s + MAX_SEGMENT_TOKENS)]);
    }
    start = Math.max(start, end);
  }
  return out;
}

/**
 * The distinct words of a token sequence with their counts. In-vocabulary words are told apart by id
 * (one id, one word, one hash); out-of-vocabulary words (id 0) by hash.
 */
export function distinctWords(ids: Int32Array, hashes: Int32Array): PassageWords {
  const index = new Map<number, number>();
  const outIds = new Int32Array(ids.length);
  const outHashes = new Int32Array(ids.length);
  const counts = new Float32Array(ids.length);
  let n = 0;
  for (let i = 0; i < ids.length; i++) {
    const key = ids[i] > 0 ? ids[i] : -1 - (hashes[i] >>> 0);
    const at = index.get(key);
    if (at !== undefined) {
      counts[at]++;
      continue;
    }
    index.set(key, n);
    outIds[n] = ids[i];
    outHashes[n] = hashes[i];
    counts[n++] = 1;
  }
  // Copies, so that a cached passage holds its distinct words only, not buffers sized for every token.
  return { ids: outIds.slice(0, n), hashes: outHashes.slice(0, n), counts: counts.slice(0, n) };
}

/**
 * Passage tokens the cache holds at most: ids + hashes, 8 bytes a token, the distinct words, 12 bytes
 * each, and the segments' distinct words, at most 4 bytes a token; so at most 96 MiB, about 70 MiB for
 * prose (half of a passage's words distinct, most of a sentence's).
 */
export const PASSAGE_CACHE_TOKENS = 4 * 1024 * 1024;

/**
 * encodePassage behind a least-recently-used cache keyed by the text's SHA-256: the same chunks come
 * back as candidates query after query, and tokenising 400 words costs as much as scoring the pair.
 * Bounded by tokens held, not entries, so long passages cannot grow it past `maxTokens`.
 */
export function cachedPassageEncoder(vocab: Vocabulary, maxTokens = PASSAGE_CACHE_TOKENS) {
  const cache = new Map<string, PassageTokens & { total: number }>();
  let held = 0;
  const stats = { hits: 0, misses: 0 };
  const encode: PassageEncoder = (text) => {
    const key = hash("sha256", text, "base64");
    const hit = cache.get(key);
    if (hit) {
      stats.hits++;
      // Map order is insertion order: re-inserting marks it most recently used.
      cache.delete(key);
      cache.set(key, hit);
      return hit;
    }
    stats.misses++;
    const encoded = encodePassage(text, vocab);
    cache.set(key, encoded);
    held += encoded.ids.length;
    for (const [oldest, value] of cache) {
      if (held <= maxTokens) break;
      cache.delete(oldest);
      held -= value.ids.length;
    }
    return encoded;
  };
  return { encode, stats, size: () => cache.size };
}

/** Query words (at most MAX_QUERY_TOKENS) and each passage cut so that query + passage fit MAX_TOKENS. */
export function tokeniseRequest(request: RerankRequest, encode: PassageEncoder): TokenisedRequest {
  const query = wordTokens(request.query).slice(0, MAX_QUERY_TOKENS);
  const budget = MAX_TOKENS - Math.max(1, query.length);
  const passages: PassageTokens[] = [];
  const truncated: number[] = [];
  for (const c of request.candidates) {
    const encoded = encode(c.text);
    const { ids, hashes, total } = encoded;
    const kept = Math.min(ids.length, budget);
    if (kept === ids.length) passages.push(encoded);
    else {
      // Views, not copies: cached passages are shared between requests and never written to.
      const cut = { ids: ids.subarray(0, kept), hashes: hashes.subarray(0, kept) };
      const sentenceEnds = encoded.sentenceEnds.filter((e) => e < kept);
      const passage = {
        ...cut,
        words: distinctWords(cut.ids, cut.hashes),
        lead: Math.min(encoded.lead, kept),
        sentenceEnds: Int32Array.from([...sentenceEnds, kept]),
      };
      passages.push({ ...passage, segments: segmentWords(passage) });
    }
    truncated.push(total - kept);
  }
  return { query, passages, truncated };
}

/** The request's rows; first-stage features are relative to all of its candidates. */
export function requestRows(request: RerankRequest, t: TokenisedRequest): PairRow[] {
  const fs = firstStageFeatures(
    request.candidates,
    t.passages.map((p) => p.ids.length),
  );
  return t.passages.map((passage, i) => ({ query: t.query, passage, termIdf: request.termIdf, firstStage: fs[i] }));
}

/** Writes one query's ids, hashes, mask and IDF (the caller's, else defaultIdf) at `at`. */
export function writeQuery(
  x: Pick<RerankInputs, "queryIds" | "queryHash" | "queryMask" | "queryIdf">,
  at: number,
  row: Pick<PairRow, "query" | "termIdf">,
  vocab: Vocabulary,
  defaultIdf: number,
): void {
  row.query.forEach((w, i) => {
    x.queryIds[at + i] = vocab.id(w);
    x.queryHash[at + i] = tokenHash(w);
    x.queryMask[at + i] = 1;
    const idf = row.termIdf?.[w];
    x.queryIdf[at + i] = idf !== undefined && Number.isFinite(idf) ? Math.max(0, idf) : defaultIdf;
  });
}

/** Scratch for the union of a group's words: slot of each vocabulary id, valid where stamp = generation. */
const unions = new WeakMap<Vocabulary, { stamp: Int32Array; slot: Int32Array; generation: number }>();

/**
 * Rows → the graph's inputs. Consecutive rows with the same query and IDFs (a request's rows, as
 * requestRows makes them) form a group, whose distinct words are the union of its passages'.
 */
export function packRows(rows: PairRow[], vocab: Vocabulary, defaultIdf: number): RerankInputs {
  const pairs = rows.length;
  const starts: number[] = [];
  rows.forEach((r, i) => {
    if (i === 0 || r.query !== rows[i - 1].query || r.termIdf !== rows[i - 1].termIdf) starts.push(i);
  });
  starts.push(pairs);
  const groups = starts.length - 1;
  const queryLength = Math.max(1, ...rows.map((r) => r.query.length));
  const pairWords = Math.max(1, ...rows.map((r) => r.passage.words.ids.length));

  let scratch = unions.get(vocab);
  if (!scratch) {
    scratch = { stamp: new Int32Array(vocab.size + 1), slot: new Int32Array(vocab.size + 1), generation: 0 };
    unions.set(vocab, scratch);
  }
  const { stamp, slot } = scratch;
  // Pass 1: each group's words, and each pair's words as slots in its group.
  const local = new Int32Array(pairs * pairWords);
  const pairCounts = new Float32Array(pairs * pairWords);
  const pairGroup = new Int32Array(pairs);
  const unionIds: number[][] = [];
  const unionHashes: number[][] = [];

  for (let g = 0; g < groups; g++) {
    const generation = ++scratch.generation;
    const ids: number[] = [];
    const hashes: number[] = [];
    const oov = new Map<number, number>();
    for (let r = starts[g]; r < starts[g + 1]; r++) {
      const words = rows[r].passage.words;
      pairGroup[r] = g;
      pairCounts.set(words.counts, r * pairWords);
      for (let j = 0; j < words.ids.length; j++) {
        const id = words.ids[j];
        const h = words.hashes[j];
        let s: number | undefined;
        if (id > 0) {
          if (stamp[id] !== generation) {
            stamp[id] = generation;
            slot[id] = ids.length;
            ids.push(id);
            hashes.push(h);
          }
          s = slot[id];
        } else {
          s = oov.get(h);
          if (s === undefined) {
            s = ids.length;
            oov.set(h, s);
            ids.push(id);
            hashes.push(h);
          }
        }
        local[r * pairWords + j] = s;
      }
    }
    unionIds.push(ids);
    unionHashes.push(hashes);
  }
  // Pass 2: padded tensors. Padding words (id 0) and a pair's padding (count 0) add nothing.
  const groupWords = Math.max(1, ...unionIds.map((u) => u.length));
  const segments = Math.max(1, ...rows.map((r) => r.passage.segments.length));
  const segmentLength = Math.max(1, ...rows.flatMap((r) => r.passage.segments.map((w) => w.length)));
  const x: RerankInputs = {
    groups,
    queryLength,
    groupWords,
    pairs,
    pairWords,
    queryIds: new Int32Array(groups * queryLength),
    queryHash: new Int32Array(groups * queryLength),
    queryMask: new Float32Array(groups * queryLength),
    queryIdf: new Float32Array(groups * queryLength),
    wordIds: new Int32Array(groups * groupWords),
    // Padding hashes differ between query and words so padding never "matches".
    wordHash: new Int32Array(groups * groupWords).fill(1),
    pairGroup,
    pairWordIndex: local,
    pairCounts,
    segments,
    segmentLength,
    segmentWords: new Int32Array(pairs * segments * segmentLength).fill(groups * groupWords),
    firstStage: new Float32Array(pairs * FIRST_STAGE_FEATURES.length),
  };
  for (let g = 0; g < groups; g++) {
    writeQuery(x, g * queryLength, rows[starts[g]], vocab, defaultIdf);
    x.wordIds.set(unionIds[g], g * groupWords);
    x.wordHash.set(unionHashes[g], g * groupWords);
  }
  for (let r = 0; r < pairs; r++) {
    const offset = pairGroup[r] * groupWords;
    if (offset > 0) for (let j = r * pairWords; j < (r + 1) * pairWords; j++) local[j] += offset;
    // A segment's words are the pair's: their rows are the pair's (already offset).
    rows[r].passage.segments.forEach((w, k) => {
      const at = (r * segments + k) * segmentLength;
      for (let j = 0; j < w.length; j++) x.segmentWords[at + j] = local[r * pairWords + w[j]];
    });
    x.firstStage.set(rows[r].firstStage, r * FIRST_STAGE_FEATURES.length);
  }
  return x;
}

/** The input tensors for one request (tests and tools; serving goes through the same three steps). */
export function buildRerankInputs(args: {
  vocab: Vocabulary;
  query: string;
  candidates: RerankCandidate[];
  termIdf?: Record<string, number>;
  defaultIdf: number;
}): RerankInputs & { truncatedTokens: number[] } {
  const request: RerankRequest = { query: args.query, candidates: args.candidates, termIdf: args.termIdf };
  const t = tokeniseRequest(request, (text) => encodePassage(text, args.vocab));
  return { ...packRows(requestRows(request, t), args.vocab, args.defaultIdf), truncatedTokens: t.truncated };
}
