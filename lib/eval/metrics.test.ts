import { describe, expect, it } from "vitest";
import { mrrAt, ndcgAt, percentile, rankDocuments, recallAt } from "./metrics";

const rel = new Map([["a", 1], ["b", 1]]);

describe("metrics", () => {
  it("ndcg is 1 for a perfect ranking and lower when relevant documents come later", () => {
    expect(ndcgAt(["a", "b", "c"], rel, 10)).toBeCloseTo(1);
    expect(ndcgAt(["c", "a", "b"], rel, 10)).toBeCloseTo((1 / Math.log2(3) + 1 / 2) / (1 + 1 / Math.log2(3)));
    expect(ndcgAt(["c", "d"], rel, 10)).toBe(0);
  });
  it("recall and mrr respect the cut-off", () => {
    expect(recallAt(["a", "c", "b"], rel, 2)).toBe(0.5);
    expect(mrrAt(["c", "b"], rel, 10)).toBe(0.5);
    expect(mrrAt(["c", "b"], rel, 1)).toBe(0);
  });
  it("a document scores as its best chunk", () => {
    expect(
      rankDocuments([
        { documentId: "x", score: 0.2 },
        { documentId: "y", score: 0.5 },
        { documentId: "x", score: 0.9 },
      ]),
    ).toEqual(["x", "y"]);
  });
  it("percentiles use nearest rank", () => {
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
  });
});
