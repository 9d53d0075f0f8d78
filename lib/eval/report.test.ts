import { describe, expect, it } from "vitest";
import type { QueryOutcome } from "./run-queries";
import { fusionLabel, htmlReport, markdownTable, parseFusion, summarise } from "./report";

const timings = { embedMs: 1, bm25Ms: 2, denseMs: 3, fusionMs: 0.1, rerankQueueMs: 0, rerankComputeMs: 5, totalMs: 12 };
const outcome = (queryId: string, bm25: string[], reranked: string[]): QueryOutcome => ({
  queryId,
  rankings: { bm25, dense: [], fused: bm25, reranked },
  timings,
  reranked: true,
  candidates: [],
});

describe("eval report", () => {
  it("parses fusion specs and labels them back", () => {
    expect(parseFusion("nvidia")).toBe("nvidia");
    expect(parseFusion("rrf:0.4/0.6")).toEqual({ method: "rrf", weights: { bm25: 0.4, vector: 0.6 }, c: 60 });
    expect(parseFusion("minmax:0.8")).toEqual({ method: "minmax", weights: { bm25: 0.8, vector: 0.19999999999999996 } });
    expect(fusionLabel(parseFusion("minmax:0.5/0.5"))).toBe("minmax:0.5/0.5");
    expect(() => parseFusion("magic:1")).toThrow(/unknown fusion/);
    expect(() => parseFusion("minmax:0.5/0.5:60")).toThrow(/rrf only/);
  });

  it("averages per-query metrics per stage, with recall at the run's k", () => {
    const qrels = new Map([
      ["q1", new Map([["a", 1]])],
      ["q2", new Map([["b", 1]])],
    ]);
    const run = summarise({
      outcomes: [outcome("q1", ["x", "a"], ["a", "x"]), outcome("q2", ["b"], ["y", "z"])],
      qrels,
      fusion: "nvidia",
      k: 30,
    });
    // q1: relevant at rank 2 for bm25 (1/log2(3)), rank 1 reranked; q2: rank 1 for bm25, missing reranked.
    expect(run.stages.bm25["ndcg@10"]).toBeCloseTo((1 / Math.log2(3) + 1) / 2);
    expect(run.stages.reranked["ndcg@10"]).toBeCloseTo(0.5);
    expect(run.stages.reranked["mrr@10"]).toBeCloseTo(0.5);
    expect(run.stages.bm25["recall@30"]).toBe(1);
    expect(run.stages.bm25["recall@5"]).toBe(1);
    expect(run.latencyMs.totalMs.p95).toBe(12);
    expect(run.perQuery).toHaveLength(2);
    expect(markdownTable(run)).toContain("| reranked | 0.5000 |");
    const html = htmlReport({ dataset: "t", createdAt: "now", runs: [run, { ...run, k: 45 }] });
    expect(html).toContain("<svg");
    expect(html).toContain("nDCG@10 against k");
  });
});
