// Pure parts of golden-set monitoring: per-query nDCG@5 from judgements, and the alert rule.
import { mean, ndcgAt } from "./metrics";

/** The tolerated fall of reranked nDCG@5 from one evaluation to the next. */
export const GOLDEN_DROP_TOLERANCE = 0.02;

export type RankedCandidate = { chunkId: number; fusedRank: number; rerankRank: number | null };

/**
 * nDCG@5 of the fused order and of the reranked order against graded judgements (chunk id → 0|1|2;
 * gains 2^g − 1, ideal from every judged chunk). Without a reranking the reranked order is the fused one.
 * Null when no judged chunk is relevant (the query says nothing about ranking quality).
 */
export function scoreGoldenQuery(
  candidates: RankedCandidate[],
  grades: Map<number, number>,
): { ndcg5Fused: number; ndcg5Reranked: number; reranked: boolean } | null {
  if (![...grades.values()].some((g) => g > 0)) return null;
  const rel = new Map([...grades].map(([id, g]) => [String(id), g]));
  const fused = [...candidates].sort((a, b) => a.fusedRank - b.fusedRank);
  const reranked = candidates.length > 0 && candidates.every((c) => c.rerankRank != null);
  const after = reranked ? [...candidates].sort((a, b) => a.rerankRank! - b.rerankRank!) : fused;
  const ids = (cs: RankedCandidate[]) => cs.map((c) => String(c.chunkId));
  return { ndcg5Fused: ndcgAt(ids(fused), rel, 5), ndcg5Reranked: ndcgAt(ids(after), rel, 5), reranked };
}

/** Macro averages over the scored queries. */
export function averageGolden(perQuery: { ndcg5Fused: number; ndcg5Reranked: number }[]) {
  return {
    queryCount: perQuery.length,
    ndcg5Fused: mean(perQuery.map((q) => q.ndcg5Fused)),
    ndcg5Reranked: mean(perQuery.map((q) => q.ndcg5Reranked)),
  };
}

export type GoldenAlert = { kind: "drop" | "below_fused"; message: string };

const f3 = (v: number) => v.toFixed(3);

/**
 * The quality alarm on the newest evaluation: reranked nDCG@5 fell by more than 0.02 since the one
 * before, or reranking scores below the fused order it started from.
 */
export function goldenAlert(
  latest: { ndcg5Fused: number; ndcg5Reranked: number } | undefined,
  previous?: { ndcg5Reranked: number },
): GoldenAlert | null {
  if (!latest) return null;
  // Rounded so that a fall of exactly 0.02 (0.80 → 0.78 is 0.0200000000000000018 in floats) does not alert.
  const drop = previous ? Math.round((previous.ndcg5Reranked - latest.ndcg5Reranked) * 1e9) / 1e9 : 0;
  if (previous && drop > GOLDEN_DROP_TOLERANCE) {
    return {
      kind: "drop",
      message: `Reranked nDCG@5 fell from ${f3(previous.ndcg5Reranked)} to ${f3(latest.ndcg5Reranked)} (−${f3(drop)}) since the previous evaluation.`,
    };
  }
  if (Math.round((latest.ndcg5Fused - latest.ndcg5Reranked) * 1e9) > 0) {
    return {
      kind: "below_fused",
      message: `Reranking makes the golden set worse: nDCG@5 ${f3(latest.ndcg5Reranked)} after rerank, ${f3(latest.ndcg5Fused)} before.`,
    };
  }
  return null;
}
