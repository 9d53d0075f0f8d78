import { byRerankRank } from "@/components/rankings";
import type { RunRecord } from "@/db/queries/runs";
import { scoreGoldenQuery } from "@/lib/eval/golden-score";

/** Where one passage stands in the original run and in its replay (final order: reranked, else fused). */
export type RankChange = {
  chunkId: number;
  documentName: string;
  /** Null: not among that run's candidates at all. */
  originalRank: number | null;
  replayRank: number | null;
  /** entered / left: crossed the top-n cut (each run's own topN); up / down / same: moved within it. */
  change: "entered" | "left" | "up" | "down" | "same";
};

export type ReplayComparison = {
  originalRunId: string;
  replayRunId: string;
  topN: { original: number; replay: number };
  /** Passages in the replay's top n that were not in the original's, and the other way round. */
  entered: number[];
  left: number[];
  /** Every passage in either top n: by replay rank, then those that left by original rank. */
  changes: RankChange[];
  /** Candidates (any rank) whose final rank differs between the two runs. */
  rankChanged: number;
  /** nDCG@5 of each run's final order against the query's labels; null when no label says relevant. */
  ndcg5: { original: number; replay: number; judged: number } | null;
};

type Run = Pick<RunRecord, "runId" | "params" | "results">;

/** chunk id → final rank (1-based): the order the answer would take its passages in. */
function finalRanks(run: Run): Map<number, number> {
  return new Map(byRerankRank(run.results).map((r, i) => [r.chunkId, i + 1]));
}

/** How a replay differs from the run it replays. `grades`: the query's judgements (chunk id → 0|1|2). */
export function compareRuns({
  original,
  replay,
  grades,
}: {
  original: Run;
  replay: Run;
  grades: Map<number, number>;
}): ReplayComparison {
  const before = finalRanks(original);
  const after = finalRanks(replay);
  const topN = { original: original.params.topN, replay: replay.params.topN };
  const inTop = (ranks: Map<number, number>, n: number, id: number) => (ranks.get(id) ?? Infinity) <= n;
  const names = new Map([...original.results, ...replay.results].map((r) => [r.chunkId, r.documentName]));

  const ids = [...new Set([...before.keys(), ...after.keys()])].filter(
    (id) => inTop(before, topN.original, id) || inTop(after, topN.replay, id),
  );
  const changes: RankChange[] = ids.map((chunkId) => {
    const originalRank = before.get(chunkId) ?? null;
    const replayRank = after.get(chunkId) ?? null;
    const wasIn = inTop(before, topN.original, chunkId);
    const isIn = inTop(after, topN.replay, chunkId);
    const change =
      wasIn && !isIn
        ? "left"
        : !wasIn
          ? "entered"
          : replayRank! < originalRank!
            ? "up"
            : replayRank! > originalRank!
              ? "down"
              : "same";
    return { chunkId, documentName: names.get(chunkId) ?? "", originalRank, replayRank, change };
  });
  changes.sort(
    (a, b) =>
      (a.change === "left" ? 1 : 0) - (b.change === "left" ? 1 : 0) ||
      (a.change === "left"
        ? a.originalRank! - b.originalRank!
        : (a.replayRank ?? Infinity) - (b.replayRank ?? Infinity)) ||
      a.chunkId - b.chunkId,
  );

  let rankChanged = 0;
  for (const id of new Set([...before.keys(), ...after.keys()])) if (before.get(id) !== after.get(id)) rankChanged++;

  const scoreOf = (run: Run) => scoreGoldenQuery(run.results, grades);
  const [a, b] = [scoreOf(original), scoreOf(replay)];
  return {
    originalRunId: original.runId,
    replayRunId: replay.runId,
    topN,
    entered: changes.filter((c) => c.change === "entered").map((c) => c.chunkId),
    left: changes.filter((c) => c.change === "left").map((c) => c.chunkId),
    changes,
    rankChanged,
    ndcg5: a && b ? { original: a.ndcg5Reranked, replay: b.ndcg5Reranked, judged: grades.size } : null,
  };
}
