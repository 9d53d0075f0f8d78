import { describe, expect, it } from "vitest";
import type { RunRecord } from "@/db/queries/runs";
import { compareRuns } from "./compare";

// A run whose candidates come in `fused` order and, when `reranked` is given, are reranked into that order.
function run(runId: string, topN: number, fused: number[], reranked?: number[]) {
  return {
    runId,
    params: { query: "q", k: fused.length, topN, fusion: "nvidia", rerank: !!reranked },
    results: fused.map((chunkId, i) => ({
      chunkId,
      documentId: "d",
      documentName: `doc-${chunkId}`,
      text: "",
      charStart: 0,
      charEnd: 0,
      bm25Rank: null,
      bm25Score: null,
      vectorRank: null,
      vectorScore: null,
      fusedRank: i + 1,
      fusedScore: 1 / (i + 1),
      rerankRank: reranked ? reranked.indexOf(chunkId) + 1 : null,
      rerankScore: null,
    })),
  } satisfies Pick<RunRecord, "runId" | "params" | "results">;
}

describe("compareRuns", () => {
  it("lists what entered and left the top n and how the rest moved, in final order", () => {
    // Original: reranked 3 2 1 | 4 5 (top 3). Replay without rerank: fused 1 2 4 | 3 5 6.
    const original = run("a", 3, [1, 2, 3, 4, 5], [3, 2, 1, 4, 5]);
    const replay = run("b", 3, [1, 2, 4, 3, 5, 6]);
    const c = compareRuns({ original, replay, grades: new Map() });
    expect(c.topN).toEqual({ original: 3, replay: 3 });
    expect(c.entered).toEqual([4]);
    expect(c.left).toEqual([3]);
    expect(c.changes).toEqual([
      { chunkId: 1, documentName: "doc-1", originalRank: 3, replayRank: 1, change: "up" },
      { chunkId: 2, documentName: "doc-2", originalRank: 2, replayRank: 2, change: "same" },
      { chunkId: 4, documentName: "doc-4", originalRank: 4, replayRank: 3, change: "entered" },
      { chunkId: 3, documentName: "doc-3", originalRank: 1, replayRank: 4, change: "left" },
    ]);
    // 1, 3, 4 moved; 2 and 5 kept their ranks; 6 is new.
    expect(c.rankChanged).toBe(4);
    expect(c.ndcg5).toBeNull();
  });

  it("uses each run's own top n and marks passages that were no candidate at all", () => {
    const original = run("a", 1, [1, 2]);
    const replay = run("b", 2, [7, 1, 2]);
    const c = compareRuns({ original, replay, grades: new Map() });
    expect(c.entered).toEqual([7]);
    expect(c.left).toEqual([]);
    expect(c.changes[0]).toEqual({
      chunkId: 7,
      documentName: "doc-7",
      originalRank: null,
      replayRank: 1,
      change: "entered",
    });
    expect(c.changes[1]).toMatchObject({ chunkId: 1, originalRank: 1, replayRank: 2, change: "down" });
  });

  it("scores both runs' final order with nDCG@5 when a label says relevant", () => {
    const original = run("a", 2, [1, 2, 3], [1, 2, 3]);
    const replay = run("b", 2, [1, 2, 3], [3, 2, 1]);
    const grades = new Map([
      [3, 2],
      [1, 0],
    ]);
    const c = compareRuns({ original, replay, grades })!;
    // Relevant chunk 3 at rank 3 in the original, rank 1 in the replay (ideal).
    expect(c.ndcg5!.original).toBeCloseTo(1 / Math.log2(4), 12);
    expect(c.ndcg5!.replay).toBeCloseTo(1, 12);
    expect(c.ndcg5!.judged).toBe(2);
    expect(compareRuns({ original, replay, grades: new Map([[1, 0]]) }).ndcg5).toBeNull();
  });
});
