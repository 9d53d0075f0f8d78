import type { RerankCandidate } from "../types";
import { tokenHash, wordTokens } from "../word-tokens";
import { FIRST_STAGE_FEATURES, MAX_QUERY_TOKENS, MAX_TOKENS } from "./spec";
import type { Vocabulary } from "./vocabulary";

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
  truncatedTokens: number[];
}

/** First-stage features of each candidate relative to the candidate set (see FIRST_STAGE_FEATURES). */
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

/**
 * The reranker's input tensors: query words (at most MAX_QUERY_TOKENS) and each passage cut so that
 * query + passage fit MAX_TOKENS. termIdf gives a query word's corpus IDF; missing words get defaultIdf.
 */
export function buildRerankInputs(args: {
  vocab: Vocabulary;
  query: string;
  candidates: RerankCandidate[];
  termIdf?: Record<string, number>;
  defaultIdf: number;
}): RerankInputs {
  const { vocab, candidates, termIdf, defaultIdf } = args;
  const q = wordTokens(args.query).slice(0, MAX_QUERY_TOKENS);
  const queryLength = Math.max(1, q.length);
  const budget = MAX_TOKENS - queryLength;
  const passages = candidates.map((c) => wordTokens(c.text));
  const kept = passages.map((p) => p.slice(0, budget));
  const passageLength = Math.max(1, ...kept.map((p) => p.length));
  const batch = candidates.length;

  const queryIds = new Int32Array(batch * queryLength);
  const queryHash = new Int32Array(batch * queryLength);
  const queryMask = new Float32Array(batch * queryLength);
  const queryIdf = new Float32Array(batch * queryLength);
  const passageIds = new Int32Array(batch * passageLength);
  // Padding hashes differ between query and passage so padding never "matches".
  const passageHash = new Int32Array(batch * passageLength).fill(1);
  const passageMask = new Float32Array(batch * passageLength);
  for (let b = 0; b < batch; b++) {
    q.forEach((w, i) => {
      const at = b * queryLength + i;
      queryIds[at] = vocab.id(w);
      queryHash[at] = tokenHash(w);
      queryMask[at] = 1;
      const idf = termIdf?.[w];
      queryIdf[at] = idf !== undefined && Number.isFinite(idf) ? Math.max(0, idf) : defaultIdf;
    });
    kept[b].forEach((w, i) => {
      const at = b * passageLength + i;
      passageIds[at] = vocab.id(w);
      passageHash[at] = tokenHash(w);
      passageMask[at] = 1;
    });
  }
  const firstStage = Float32Array.from(
    firstStageFeatures(
      candidates,
      kept.map((p) => p.length),
    ).flat(),
  );
  return {
    batch,
    queryLength,
    passageLength,
    queryIds,
    queryHash,
    queryMask,
    queryIdf,
    passageIds,
    passageHash,
    passageMask,
    firstStage,
    truncatedTokens: passages.map((p, i) => p.length - kept[i].length),
  };
}
