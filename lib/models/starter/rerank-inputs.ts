import { hash } from "node:crypto";
import type { RerankCandidate, RerankRequest } from "../types";
import { firstWordTokens } from "../lazy-tokens";
import { tokenHash, wordTokens } from "../word-tokens";
import { FIRST_STAGE_FEATURES, MAX_QUERY_TOKENS, MAX_TOKENS } from "./spec";
import type { Vocabulary } from "./vocabulary";

// Model input building for the KNRM reranker: requests → (query, passage) rows → padded tensors.
// One path for serving (the worker, batching rows of several requests) and training (score()).

/** A passage as the model reads it: vocabulary ids and token hashes of its first words, in order. */
export interface PassageTokens {
  ids: Int32Array;
  hashes: Int32Array;
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

export interface RerankInputs {
  batch: number;
  queryLength: number;
  passageLength: number;
  queryIds: Int32Array;
  queryHash: Int32Array;
  queryMask: Float32Array;
  queryIdf: Float32Array;
  passageIds: Int32Array;
  passageHash: Int32Array;
  passageMask: Float32Array;
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

export function encodePassage(text: string, vocab: Vocabulary): PassageTokens & { total: number } {
  const { tokens, total } = asciiFirstWordTokens(text, PASSAGE_KEEP) ?? firstWordTokens(text, PASSAGE_KEEP);
  const ids = new Int32Array(tokens.length);
  const hashes = new Int32Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) {
    ids[i] = vocab.id(tokens[i]);
    hashes[i] = tokenHash(tokens[i]);
  }
  return { ids, hashes, total };
}

/** Passage tokens the cache holds at most (ids + hashes: 8 bytes each, so 32 MiB). */
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
    const { ids, hashes, total } = encode(c.text);
    const kept = Math.min(ids.length, budget);
    // Views, not copies: cached passages are shared between requests and never written to.
    passages.push({ ids: ids.subarray(0, kept), hashes: hashes.subarray(0, kept) });
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

/** Rows → tensors padded to the longest query and passage (masked: padding changes nothing). */
export function packRows(rows: PairRow[], vocab: Vocabulary, defaultIdf: number): RerankInputs {
  const batch = rows.length;
  const queryLength = Math.max(1, ...rows.map((r) => r.query.length));
  const passageLength = Math.max(1, ...rows.map((r) => r.passage.ids.length));
  const fsLength = FIRST_STAGE_FEATURES.length;
  const x: RerankInputs = {
    batch,
    queryLength,
    passageLength,
    queryIds: new Int32Array(batch * queryLength),
    queryHash: new Int32Array(batch * queryLength),
    queryMask: new Float32Array(batch * queryLength),
    queryIdf: new Float32Array(batch * queryLength),
    passageIds: new Int32Array(batch * passageLength),
    // Padding hashes differ between query and passage so padding never "matches".
    passageHash: new Int32Array(batch * passageLength).fill(1),
    passageMask: new Float32Array(batch * passageLength),
    firstStage: new Float32Array(batch * fsLength),
  };
  for (let b = 0; b < batch; b++) {
    const row = rows[b];
    const query = row.query;
    for (let i = 0; i < query.length; i++) {
      const w = query[i];
      const at = b * queryLength + i;
      x.queryIds[at] = vocab.id(w);
      x.queryHash[at] = tokenHash(w);
      x.queryMask[at] = 1;
      const idf = row.termIdf?.[w];
      x.queryIdf[at] = idf !== undefined && Number.isFinite(idf) ? Math.max(0, idf) : defaultIdf;
    }
    const { ids, hashes } = row.passage;
    const base = b * passageLength;
    x.passageIds.set(ids, base);
    x.passageHash.set(hashes, base);
    x.passageMask.fill(1, base, base + ids.length);
    x.firstStage.set(row.firstStage, b * fsLength);
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
