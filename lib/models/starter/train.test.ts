import { describe, expect, it } from "vitest";
import { calibrate, crossValidate, fitHead, queryNdcg, scoreQuery, type TrainingQuery } from "./train";

// Synthetic queries where feature 1 separates relevant candidates and feature 0 is noise;
// the first-stage order puts the relevant candidate last, so only a trained head can fix it.
function synthetic(n: number): TrainingQuery[] {
  let seed = 7;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  return Array.from({ length: n }, (_, qi) => {
    const docs = Array.from({ length: 10 }, (_, i) => `q${qi}d${i}`);
    const features = new Float32Array(10 * 2);
    docs.forEach((_, i) => {
      features[i * 2] = rand();
      features[i * 2 + 1] = (i === 9 ? 1 : 0) + 0.3 * rand();
    });
    return { id: `q${qi}`, features, featureCount: 2, documentIds: docs, relevant: new Map([[docs[9], 1]]) };
  });
}

describe("reranker head training", () => {
  it("learns to put the relevant candidate first", () => {
    const qs = synthetic(40);
    const head = fitHead(qs, { iterations: 200 });
    expect(head.weights[1]).toBeGreaterThan(Math.abs(head.weights[0]));
    const ndcg = qs.map((q) => queryNdcg(q, scoreQuery(q, head)));
    expect(Math.min(...ndcg)).toBeGreaterThan(0.9);
  });
  it("calibrates scores into probabilities", () => {
    const qs = synthetic(40);
    const head = fitHead(qs, { iterations: 200 });
    const p = (s: number) => 1 / (1 + Math.exp(-s));
    const rel = qs.map((q) => p(scoreQuery(q, head)[9]));
    const non = qs.map((q) => p(scoreQuery(q, head)[0]));
    expect(Math.min(...rel)).toBeGreaterThan(0.5);
    expect(Math.max(...non)).toBeLessThan(0.5);
  });
  it("cross-validation reports held-out gains over the first stage", () => {
    const folds = crossValidate(synthetic(25), 5, { iterations: 100 });
    expect(folds).toHaveLength(5);
    for (const f of folds) expect(f.rerankedNdcg10).toBeGreaterThan(f.firstStageNdcg10);
  });
});

describe("calibration", () => {
  it("keeps the order and matches a rare base rate", () => {
    // 2% positives, positives score higher: plain Newton from (1, 0) overshoots here.
    const points = Array.from({ length: 2000 }, (_, i) => ({ s: i % 50 === 0 ? 3 + (i % 7) / 7 : (i % 13) / 13, y: i % 50 === 0 ? 1 : 0 }));
    const [a, c] = calibrate(points);
    expect(a).toBeGreaterThan(0);
    const p = (s: number) => 1 / (1 + Math.exp(-(a * s + c)));
    const mean = points.reduce((sum, x) => sum + p(x.s), 0) / points.length;
    expect(mean).toBeCloseTo(0.02, 2);
    expect(p(3.5)).toBeGreaterThan(0.5);
    expect(p(0.5)).toBeLessThan(0.05);
  });
});
