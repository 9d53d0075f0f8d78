import { z } from "zod";
import type { ScoredChunk } from "@/db/queries/retrieval";

export type FusionWeights = { bm25: number; vector: number };
export type Fusion =
  "nvidia" | { method: "rrf"; weights: FusionWeights; c?: number } | { method: "minmax"; weights: FusionWeights };

/** Chosen by `npm run tune` on SciFact (README, Tuning): with the starter embedder, min-max leaning on BM25. */
export const DEFAULT_FUSION: Fusion = { method: "minmax", weights: { bm25: 0.9, vector: 0.1 } };

export const RRF_C = 60;
/** NVIDIA / LangChain EnsembleRetriever preset: weighted RRF, BM25 0.4, vector 0.6, c = 60. */
export const NVIDIA_FUSION = { method: "rrf", weights: { bm25: 0.4, vector: 0.6 }, c: RRF_C } as const;

const weightsSchema = z.object({
  bm25: z.number().min(0).max(1000),
  vector: z.number().min(0).max(1000),
});

export const fusionSchema = z.union([
  z.literal("nvidia"),
  z.object({ method: z.literal("rrf"), weights: weightsSchema, c: z.number().min(0).max(100_000).optional() }),
  z.object({ method: z.literal("minmax"), weights: weightsSchema }),
]) satisfies z.ZodType<Fusion>;

/** One retriever's list, best first. */
export type Ranked = ScoredChunk;

export type FusedCandidate = {
  chunkId: number;
  bm25Rank: number | null;
  bm25Score: number | null;
  vectorRank: number | null;
  vectorScore: number | null;
  fusedRank: number;
  fusedScore: number;
};

type Entry = { rank: number; score: number };

// chunkId → rank (from 1) and score; a repeated id keeps its first (best) place.
function index(list: Ranked[]): Map<number, Entry> {
  const m = new Map<number, Entry>();
  list.forEach((r, i) => {
    if (!m.has(r.chunkId)) m.set(r.chunkId, { rank: i + 1, score: r.score });
  });
  return m;
}

// Min-max over one list; a list whose scores are all equal normalises to 1.
function normaliser(list: Map<number, Entry>): (score: number) => number {
  let min = Infinity;
  let max = -Infinity;
  for (const { score } of list.values()) {
    min = Math.min(min, score);
    max = Math.max(max, score);
  }
  const span = max - min;
  return span > 0 ? (s) => (s - min) / span : () => 1;
}

/**
 * Fuses BM25 and vector rankings. RRF: Σ wᵢ / (c + rankᵢ). Min-max: Σ wᵢ · normᵢ with each list's scores
 * normalised over that list. A candidate missing from a list gets nothing from it and null rank/score there.
 * Ordered by fused score desc, ties by chunk id asc; fused ranks from 1.
 */
export function fuse({ bm25, vector, fusion }: { bm25: Ranked[]; vector: Ranked[]; fusion: Fusion }): FusedCandidate[] {
  const spec = fusion === "nvidia" ? NVIDIA_FUSION : fusion;
  const lists = { bm25: index(bm25), vector: index(vector) };

  let contribution: (list: "bm25" | "vector", e: Entry) => number;
  if (spec.method === "rrf") {
    const c = spec.c ?? RRF_C;
    contribution = (list, e) => spec.weights[list] / (c + e.rank);
  } else {
    const norm = { bm25: normaliser(lists.bm25), vector: normaliser(lists.vector) };
    contribution = (list, e) => spec.weights[list] * norm[list](e.score);
  }

  const ids = new Set<number>([...lists.bm25.keys(), ...lists.vector.keys()]);
  const fused = [...ids].map((chunkId) => {
    const b = lists.bm25.get(chunkId);
    const v = lists.vector.get(chunkId);
    return {
      chunkId,
      bm25Rank: b?.rank ?? null,
      bm25Score: b?.score ?? null,
      vectorRank: v?.rank ?? null,
      vectorScore: v?.score ?? null,
      fusedRank: 0,
      fusedScore: (b ? contribution("bm25", b) : 0) + (v ? contribution("vector", v) : 0),
    };
  });
  fused.sort((x, y) => y.fusedScore - x.fusedScore || x.chunkId - y.chunkId);
  fused.forEach((f, i) => (f.fusedRank = i + 1));
  return fused;
}
