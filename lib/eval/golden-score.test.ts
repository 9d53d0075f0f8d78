import { describe, expect, it } from "vitest";
import { averageGolden, goldenAlert, scoreGoldenQuery } from "./golden-score";

const cands = (fusedOrder: number[], rerankOrder: number[] | null) =>
  fusedOrder.map((chunkId, i) => ({
    chunkId,
    fusedRank: i + 1,
    rerankRank: rerankOrder ? rerankOrder.indexOf(chunkId) + 1 : null,
  }));

describe("scoreGoldenQuery", () => {
  it("scores the fused and the reranked order against graded judgements", () => {
    // Grades: 10 → 2, 20 → 1, 30 → 0. Ideal DCG = 3/log2(2) + 1/log2(3).
    const grades = new Map([
      [10, 2],
      [20, 1],
      [30, 0],
    ]);
    const ideal = 3 + 1 / Math.log2(3);
    const score = scoreGoldenQuery(cands([30, 20, 10, 40], [10, 20, 30, 40]), grades)!;
    // Fused: 20 at rank 2, 10 at rank 3. Reranked: the ideal order.
    expect(score.ndcg5Fused).toBeCloseTo((1 / Math.log2(3) + 3 / 2) / ideal, 12);
    expect(score.ndcg5Reranked).toBeCloseTo(1, 12);
    expect(score.reranked).toBe(true);
  });

  it("only counts the top 5 and takes the fused order when nothing was reranked", () => {
    const grades = new Map([[6, 2]]);
    const score = scoreGoldenQuery(cands([1, 2, 3, 4, 5, 6], null), grades)!;
    expect(score).toEqual({ ndcg5Fused: 0, ndcg5Reranked: 0, reranked: false });
    // A judged-relevant chunk that is not a candidate still counts in the ideal ranking.
    const missing = scoreGoldenQuery(
      cands([1, 2], [1, 2]),
      new Map([
        [1, 1],
        [99, 2],
      ]),
    )!;
    expect(missing.ndcg5Fused).toBeCloseTo(1 / (3 + 1 / Math.log2(3)), 12);
  });

  it("cannot score a query without a relevant judgement", () => {
    expect(scoreGoldenQuery(cands([1, 2], [1, 2]), new Map([[1, 0]]))).toBeNull();
    expect(scoreGoldenQuery(cands([1, 2], [1, 2]), new Map())).toBeNull();
  });

  it("averages over the scored queries", () => {
    expect(
      averageGolden([
        { ndcg5Fused: 0.5, ndcg5Reranked: 1 },
        { ndcg5Fused: 0.25, ndcg5Reranked: 0.5 },
      ]),
    ).toEqual({ queryCount: 2, ndcg5Fused: 0.375, ndcg5Reranked: 0.75 });
    expect(averageGolden([])).toEqual({ queryCount: 0, ndcg5Fused: 0, ndcg5Reranked: 0 });
  });
});

describe("goldenAlert", () => {
  it("alerts when reranked nDCG@5 fell by more than 0.02", () => {
    expect(goldenAlert({ ndcg5Fused: 0.5, ndcg5Reranked: 0.77 }, { ndcg5Reranked: 0.8 })).toEqual({
      kind: "drop",
      message: "Reranked nDCG@5 fell from 0.800 to 0.770 (−0.030) since the previous evaluation.",
    });
    // Exactly 0.02 (0.0200000000000000018 in floats) or less is tolerated.
    expect(goldenAlert({ ndcg5Fused: 0.5, ndcg5Reranked: 0.78 }, { ndcg5Reranked: 0.8 })).toBeNull();
    expect(goldenAlert({ ndcg5Fused: 0.5, ndcg5Reranked: 0.9 }, { ndcg5Reranked: 0.8 })).toBeNull();
  });

  it("alerts when reranking scores below the fused order", () => {
    expect(goldenAlert({ ndcg5Fused: 0.7, ndcg5Reranked: 0.69 })).toMatchObject({ kind: "below_fused" });
    expect(goldenAlert({ ndcg5Fused: 0.7, ndcg5Reranked: 0.69 }, { ndcg5Reranked: 0.7 })?.kind).toBe("below_fused");
    expect(goldenAlert({ ndcg5Fused: 0.7, ndcg5Reranked: 0.7 })).toBeNull();
    expect(goldenAlert(undefined)).toBeNull();
  });

  it("reports the drop first when both hold", () => {
    expect(goldenAlert({ ndcg5Fused: 0.7, ndcg5Reranked: 0.6 }, { ndcg5Reranked: 0.8 })?.kind).toBe("drop");
  });
});
