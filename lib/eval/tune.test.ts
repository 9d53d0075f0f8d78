import { describe, expect, it } from "vitest";
import { FEATURE_NAMES } from "@/lib/models/starter/spec";
import { fuse } from "@/lib/retrieval/fusion";
import type { Qrels } from "./beir";
import {
  assignFolds,
  chooseFusion,
  crossValidateSelection,
  evaluateQuery,
  headTrainer,
  scoreSetting,
  selectDefaults,
  type SettingScores,
} from "./tune";
import { KERNEL_FEATURES, type TuneQuery } from "./tune-data";

describe("assignFolds", () => {
  it("splits the queries evenly, the same way for the same seed", () => {
    const a = assignFolds(23, 5, 42);
    expect(a).toEqual(assignFolds(23, 5, 42));
    expect(a).not.toEqual(assignFolds(23, 5, 7));
    const sizes = [0, 1, 2, 3, 4].map((f) => a.filter((x) => x === f).length);
    expect(sizes.sort()).toEqual([4, 4, 5, 5, 5]);
  });
});

// Queries where BM25 finds the relevant document at rank 2 and dense finds it first; the kernel feature
// kernel_1 (exact matches) marks the relevant chunk, so a trained head puts it first.
function toyData(n: number, denseK: number): { data: TuneQuery[]; qrels: Qrels } {
  const qrels: Qrels = new Map();
  const data = Array.from({ length: n }, (_, qi): TuneQuery => {
    const base = qi * 10;
    const rel = base + 2;
    qrels.set(`q${qi}`, new Map([[`d${rel}`, 1]]));
    const bm25 = [1, 2, 3, 4, 5, 6].map((i) => ({ chunkId: base + i, score: 10 - i }));
    const dense = [2, 7, 1, 8].map((i, r) => ({ chunkId: base + i, score: 0.9 - r / 10 }));
    const chunks: TuneQuery["chunks"] = {};
    for (const i of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const kernel = new Array<number>(KERNEL_FEATURES).fill(0).map((_, j) => ((i * 7 + j * 3 + qi) % 5) / 10);
      kernel[0] = base + i === rel ? 1 : 0.2;
      chunks[base + i] = { doc: `d${base + i}`, kernel, tokens: 50 + i };
    }
    return { id: `q${qi}`, bm25, dense: { [denseK]: dense }, chunks };
  });
  return { data, qrels };
}

const neutralHead = {
  mean: new Array<number>(FEATURE_NAMES.length).fill(0),
  std: new Array<number>(FEATURE_NAMES.length).fill(1),
  weights: new Array<number>(FEATURE_NAMES.length).fill(0),
  bias: 0,
};

describe("evaluateQuery", () => {
  it("fuses the lists cut at k, as runSearch does, with kernel then first-stage features per candidate", () => {
    const { data, qrels } = toyData(1, 45);
    const fusion = { method: "rrf" as const, weights: { bm25: 0.4, vector: 0.6 }, c: 60 };
    const sq = evaluateQuery(data[0], qrels.get("q0")!, { chunkSize: 400, fusion, k: 3 }, [15, 45]);
    const expected = fuse({ bm25: data[0].bm25.slice(0, 3), vector: data[0].dense[45].slice(0, 3), fusion }).slice(
      0,
      3,
    );
    expect(sq.training.documentIds).toEqual(expected.map((c) => `d${c.chunkId}`));
    expect(sq.rankings.bm25).toEqual(["d1", "d2", "d3"]);
    expect(sq.rankings.dense).toEqual(["d2", "d7", "d1"]);
    const f = FEATURE_NAMES.length;
    expect(sq.training.features.length).toBe(3 * f);
    // The first candidate's kernel features are copied as they are.
    expect(Array.from(sq.training.features.subarray(0, KERNEL_FEATURES))).toEqual(
      data[0].chunks[expected[0].chunkId].kernel.map(Math.fround),
    );
  });
});

describe("selection", () => {
  const ks = [3, 6];
  const { data, qrels } = toyData(20, 6); // every k ≤ 50 reads the list fetched at the largest of them
  const fusions = [
    { method: "minmax" as const, weights: { bm25: 1, vector: 0 } },
    { method: "rrf" as const, weights: { bm25: 0.4, vector: 0.6 }, c: 60 },
  ];
  const grid: SettingScores[] = fusions.flatMap((fusion) =>
    ks.map((k) => scoreSetting({ data, qrels, setting: { chunkSize: 400, fusion, k }, ks, activeHead: neutralHead })),
  );
  const all = data.map((_, i) => i);

  it("chooses the fusion with the best fused nDCG@10 among those not below BM25", () => {
    const atK = grid.filter((g) => g.setting.k === 3);
    const chosen = chooseFusion(atK, all);
    expect(chosen.setting.fusion).toEqual(fusions[1]); // dense puts the relevant document first
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(chosen.perQuery.fused["ndcg@10"])).toBeGreaterThan(mean(chosen.perQuery.bm25["ndcg@10"]));
  });

  it("scores the choice on held-out folds with heads trained on the other folds", () => {
    const train = headTrainer({ data, qrels, ks, train: { iterations: 60, calibrate: false } });
    const folds = assignFolds(data.length, 4, 1);
    const cv = crossValidateSelection({ grid, folds, train });
    expect(cv.folds).toHaveLength(4);
    expect(cv.folds.reduce((n, f) => n + f.queries, 0)).toBe(data.length);
    // The kernel feature separates the relevant chunk, so held-out reranking is perfect here.
    expect(cv.cv.reranked).toBeCloseTo(1, 6);
    expect(cv.cv.fused).toBeGreaterThan(cv.cv.bm25);
    const chosen = selectDefaults({ grid, idx: all, train, key: "all" });
    expect(chosen.setting.k).toBe(3); // ties go to the smaller k
    expect(chosen.selectionNdcg10.reranked).toBeCloseTo(1, 6);
  });
});
