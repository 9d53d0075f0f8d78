import { describe, expect, it } from "vitest";
import { isValidReportName, worstQueries, type EvalReport } from "./reports";

describe("isValidReportName", () => {
  it("accepts the folder names npm run eval writes", () => {
    expect(isValidReportName("scifact-2026-11-25T13-38-08-083Z")).toBe(true);
    expect(isValidReportName("my_set.v2")).toBe(true);
  });
  it("refuses anything that could leave the reports directory", () => {
    for (const bad of [
      "",
      ".",
      "..",
      "../x",
      "a/../b",
      "a/b",
      "a\\b",
      ".env",
      "-x",
      "a..b",
      "%2e%2e",
      "a\0b",
      "x".repeat(129),
      " a",
    ]) {
      expect(isValidReportName(bad), JSON.stringify(bad)).toBe(false);
    }
  });
});

describe("worstQueries", () => {
  it("lists the primary run's lowest reranked nDCG@10 first", () => {
    const stages = { bm25: { "ndcg@10": 0.1 }, dense: {}, fused: {}, reranked: {} };
    const other = { bm25: { "ndcg@10": 0.2 }, dense: {}, fused: {}, reranked: {} };
    const run = (s: typeof stages, ids: [string, number][]) => ({
      fusion: "f",
      k: 10,
      queries: ids.length,
      stages: s,
      latencyMs: {},
      perQuery: ids.map(([queryId, reranked]) => ({ queryId, ndcg10: { reranked } })),
    });
    const report = {
      dataset: "d",
      createdAt: "",
      settings: {},
      stages,
      runs: [
        run(other, [["z", 0]]),
        run(stages, [
          ["a", 0.5],
          ["b", 0.2],
          ["c", 0.2],
        ]),
      ],
    } as unknown as EvalReport;
    expect(worstQueries(report, 2).map((q) => q.queryId)).toEqual(["b", "c"]);
  });
});
