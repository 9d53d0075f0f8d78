import { describe, expect, it } from "vitest";
import type { QueryOutcome } from "./run-queries";
import { fusionLabel, htmlReport, markdownTable, modesTable, parseFusion, summarise, summariseMode } from "./report";

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
    expect(parseFusion("minmax:0.8")).toEqual({
      method: "minmax",
      weights: { bm25: 0.8, vector: 0.19999999999999996 },
    });
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

  it("puts single and corrective side by side: final-ranking quality, rounds, rewrites, latency, tokens", () => {
    const qrels = new Map([
      ["q1", new Map([["a", 1]])],
      ["q2", new Map([["b", 1]])],
    ]);
    const at = (totalMs: number) => ({ ...timings, totalMs });
    const single = [
      { ...outcome("q1", ["a"], ["x", "a"]), timings: at(100) },
      { ...outcome("q2", ["b"], ["y"]), timings: at(300) },
    ];
    // q1 stops after one round; q2 rewrites once and finds b at rank 1 (its LLM calls: 100 + 20 tokens).
    const corrective: QueryOutcome[] = [
      {
        ...outcome("q1", ["a"], ["x", "a"]),
        timings: at(150),
        corrective: { rounds: 1, stopReason: "enough_relevant" },
      },
      {
        ...outcome("q2", ["b"], ["b", "y"]),
        timings: at(500),
        corrective: { rounds: 2, stopReason: "max_rounds" },
        tokens: { grader: { prompt: 70, completion: 12 }, rewriter: { prompt: 30, completion: 8 } },
      },
    ];
    const s = summariseMode(summarise({ outcomes: single, qrels, fusion: "nvidia", k: 30, mode: "single" }), single);
    const c = summariseMode(
      summarise({ outcomes: corrective, qrels, fusion: "nvidia", k: 30, mode: "corrective" }),
      corrective,
    );
    // single: q1's a at rank 2 (nDCG 1/log2(3) ≈ 0.6309, RR 0.5), q2's b missing → means 0.3155, 0.25, recall 0.5.
    expect(s).toMatchObject({ mode: "single", meanRounds: 1, rewroteShare: 0, tokensPerQuery: null, queries: 2 });
    expect(s.metrics["ndcg@10"]).toBeCloseTo(0.6309 / 2, 4);
    expect(s.metrics["mrr@10"]).toBe(0.25);
    expect(s.metrics["recall@10"]).toBe(0.5);
    expect(s.metrics["recall@45"]).toBe(0.5);
    expect(s.latencyMs).toEqual({ p50: 100, p95: 300 });
    expect(s.stopReasons).toBeUndefined();
    // corrective: q2's b now at rank 1 → nDCG (0.6309 + 1) / 2, MRR (0.5 + 1) / 2, recall 1.
    expect(c.metrics["ndcg@10"]).toBeCloseTo(1.6309 / 2, 4);
    expect(c.metrics["mrr@10"]).toBe(0.75);
    expect(c.metrics["recall@10"]).toBe(1);
    // Tokens are means over every query (q1 spent none).
    expect(c).toMatchObject({ meanRounds: 1.5, rewroteShare: 0.5, tokensPerQuery: 60 });
    expect(c.tokens).toEqual({
      prompt: 50,
      completion: 10,
      grader: { prompt: 35, completion: 6 },
      rewriter: { prompt: 15, completion: 4 },
    });
    // With an LLM configured, a mode that never called it spent 0 tokens (not "no data").
    const sLlm = summariseMode(
      summarise({ outcomes: single, qrels, fusion: "nvidia", k: 30, mode: "single" }),
      single,
      true,
    );
    expect(sLlm).toMatchObject({ tokensPerQuery: 0, tokens: { prompt: 0, completion: 0 } });
    expect(c.stopReasons).toEqual({ enough_relevant: 1, max_rounds: 1 });
    expect(c.latencyMs).toEqual({ p50: 150, p95: 500 });

    const table = modesTable([s, c]).split("\n");
    expect(table[0]).toBe(
      "| mode | nDCG@10 | recall@10 | recall@45 | MRR@10 | mean rounds | rewrote | P50 ms | P95 ms | LLM tokens/query (prompt + completion) |",
    );
    expect(table[2]).toBe("| single | 0.3155 | 0.5000 | 0.5000 | 0.2500 | 1.00 | 0.0% | 100.0 | 300.0 | – |");
    expect(table[3]).toBe(
      "| corrective | 0.8155 | 1.0000 | 1.0000 | 0.7500 | 1.50 | 50.0% | 150.0 | 500.0 | 50.0 + 10.0 |",
    );
    // Differences of the unrounded means; latency as ratios (150/100, 500/300).
    expect(table[4]).toBe("| corrective − single | +0.5000 | +0.5000 | +0.5000 | +0.5000 | | | ×1.50 | ×1.67 | |");
    expect(modesTable([c]).split("\n")).toHaveLength(3);
    // A difference that rounds to nothing has no sign.
    const same = { ...c, metrics: { ...s.metrics, "ndcg@10": s.metrics["ndcg@10"] - 1e-6 } };
    expect(modesTable([s, same]).split("\n")[4]).toMatch(/^\| corrective − single \| ±0\.0000 \| ±0\.0000 \|/);

    const html = htmlReport({ dataset: "t", createdAt: "now", runs: [], modes: { single: s, corrective: c } });
    expect(html).toContain("Single vs corrective retrieval (nvidia, k = 30, 2 queries)");
    expect(html).toContain("<th>corrective</th><td>0.8155</td>");
  });
});
