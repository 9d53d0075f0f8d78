// Whether a newly trained head replaces the active one: both are scored on the same held-out folds (the
// new head retrained on each fold's other queries, the active head as it is), and the new head is
// installed only if its mean held-out nDCG@10 is higher.
import type { FoldComparison } from "./head-versions";
import type { RerankerHead } from "./spec";
import { fitHead, queryNdcg, scoreQuery, type TrainingQuery, type TrainOptions } from "./train";

/** Smallest mean nDCG@10 improvement that counts as better (below it the two heads tie). */
export const MIN_IMPROVEMENT = 1e-4;

const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/**
 * k-fold cross-validation by query (fold = index mod k, as crossValidate): for each fold, nDCG@10 of the
 * first stage, of a head trained on the other folds, and of the active head, on the fold's queries.
 */
export function compareOnFolds(
  queries: TrainingQuery[],
  active: Pick<RerankerHead, "mean" | "std" | "weights" | "bias">,
  folds = 5,
  opts: TrainOptions = {},
): FoldComparison[] {
  const k = Math.max(2, Math.min(folds, queries.length));
  const out: FoldComparison[] = [];
  for (let fold = 0; fold < k; fold++) {
    const test = queries.filter((_, i) => i % k === fold);
    const train = queries.filter((_, i) => i % k !== fold);
    if (test.length === 0 || train.length === 0) continue;
    const head = fitHead(train, opts);
    out.push({
      fold: fold + 1,
      queries: test.length,
      firstStageNdcg10: avg(
        test.map((q) =>
          queryNdcg(
            q,
            q.documentIds.map((_, i) => -i),
          ),
        ),
      ),
      candidateNdcg10: avg(test.map((q) => queryNdcg(q, scoreQuery(q, head)))),
      activeNdcg10: avg(test.map((q) => queryNdcg(q, scoreQuery(q, active)))),
    });
  }
  return out;
}

export interface InstallDecision {
  install: boolean;
  reason: string;
  meanFirstStage: number;
  meanCandidate: number;
  meanActive: number;
  meanGain: number;
}

/** Query-weighted means over the folds and the decision, with the reason in words. */
export function decideInstall(
  folds: FoldComparison[],
  args: { activeVersion: string; identical?: boolean; minImprovement?: number },
): InstallDecision {
  const total = folds.reduce((n, f) => n + f.queries, 0);
  const wmean = (key: "firstStageNdcg10" | "candidateNdcg10" | "activeNdcg10") =>
    total ? folds.reduce((s, f) => s + f[key] * f.queries, 0) / total : 0;
  const meanFirstStage = wmean("firstStageNdcg10");
  const meanCandidate = wmean("candidateNdcg10");
  const meanActive = wmean("activeNdcg10");
  const base = { meanFirstStage, meanCandidate, meanActive, meanGain: meanCandidate - meanFirstStage };
  const diff = meanCandidate - meanActive;
  const min = args.minImprovement ?? MIN_IMPROVEMENT;
  const vs = `held-out nDCG@10 ${meanCandidate.toFixed(4)} vs ${meanActive.toFixed(4)} for the active head (${args.activeVersion}), ${diff >= 0 ? "+" : ""}${diff.toFixed(4)}`;
  if (total === 0) return { ...base, install: false, reason: "no held-out queries to compare on" };
  if (args.identical) return { ...base, install: false, reason: `${vs}; the new head is identical to the active head` };
  if (diff > min) {
    const wins = folds.filter((f) => f.candidateNdcg10 > f.activeNdcg10).length;
    return { ...base, install: true, reason: `${vs}; better on ${wins} of ${folds.length} folds` };
  }
  return { ...base, install: false, reason: `${vs}; not better by more than ${min}` };
}
