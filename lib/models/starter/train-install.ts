// The learning loop of `npm run train:reranker`: cross-validate a new head against the active one on the
// same held-out folds, fit it on every query, and install it as a new version (and make it active, and
// rebuild the model) only if it is better on held-out queries.
import { activateHeadVersion, type Rebuild } from "./activate";
import { decideInstall, compareOnFolds, type InstallDecision } from "./head-selection";
import { headHash, installHeadVersion, readActiveHead, type FoldComparison, type HeadMetrics } from "./head-versions";
import { FEATURE_NAMES, untrainedHead, type RerankerHead } from "./spec";
import { fitHead, type TrainingQuery, type TrainOptions } from "./train";

export interface TrainInstallResult {
  dataset: string;
  queries: number;
  activeVersion: string;
  folds: FoldComparison[];
  decision: InstallDecision;
  head: RerankerHead;
  /** Set when the head was installed (and activated). */
  installed: { version: string; model: { id: string; version: string } } | null;
}

const round = (x: number, digits = 4) => +x.toFixed(digits);

export async function trainAndInstall(args: {
  modelsDir: string;
  dataset: string;
  queries: TrainingQuery[];
  /** Query-word IDFs seen in training (the head's default IDF is their median). */
  idfs: number[];
  folds?: number;
  trainedOn: string;
  train?: TrainOptions;
  /** Rebuilds the ONNX model from the new active head (tests pass a stub). */
  rebuild?: Rebuild;
  now?: Date;
  /** Compute and decide, never install (--dry-run). */
  dryRun?: boolean;
}): Promise<TrainInstallResult> {
  const { modelsDir, queries, folds = 5 } = args;
  if (queries.length < 2) throw new Error(`need at least 2 judged queries to cross-validate, got ${queries.length}`);
  // A head trained on other features than these queries' (before a feature was added) cannot score them.
  const found = await readActiveHead(modelsDir);
  const active =
    found && found.head.weights.length === queries[0].featureCount ? found : { version: "untrained", head: untrainedHead() };
  const comparison = compareOnFolds(queries, active.head, folds, args.train);
  const fitted = fitHead(queries, args.train);
  const sortedIdf = [...args.idfs].sort((a, b) => a - b);
  const head: RerankerHead = {
    featureNames: FEATURE_NAMES,
    mean: fitted.mean.map((x) => +x.toPrecision(6)),
    std: fitted.std.map((x) => +x.toPrecision(6)),
    weights: fitted.weights.map((x) => +x.toPrecision(6)),
    bias: +fitted.bias.toPrecision(6),
    defaultIdf: +(sortedIdf[Math.floor(sortedIdf.length / 2)] ?? active.head.defaultIdf ?? 5).toPrecision(4),
    trainedOn: args.trainedOn,
  };
  const decision = decideInstall(comparison, {
    activeVersion: active.version,
    identical: headHash(head) === headHash(active.head),
  });
  head.crossValidation = {
    folds: comparison.length,
    firstStageNdcg10: round(decision.meanFirstStage),
    rerankedNdcg10: round(decision.meanCandidate),
  };
  const result: TrainInstallResult = {
    dataset: args.dataset,
    queries: queries.length,
    activeVersion: active.version,
    folds: comparison,
    decision,
    head,
    installed: null,
  };
  if (!decision.install || args.dryRun) return result;
  const metrics: HeadMetrics = {
    dataset: args.dataset,
    queries: queries.length,
    folds: comparison.map((f) => ({
      ...f,
      firstStageNdcg10: round(f.firstStageNdcg10),
      candidateNdcg10: round(f.candidateNdcg10),
      activeNdcg10: round(f.activeNdcg10),
    })),
    meanFirstStageNdcg10: round(decision.meanFirstStage),
    meanCandidateNdcg10: round(decision.meanCandidate),
    meanActiveNdcg10: round(decision.meanActive),
    meanGain: round(decision.meanGain),
    comparedWith: active.version,
  };
  const version = await installHeadVersion({ modelsDir, head, metrics, now: args.now });
  const activated = await activateHeadVersion({ modelsDir, version, rebuild: args.rebuild });
  return { ...result, installed: { version, model: activated.model } };
}

/** The fold table and the decision, as the CLI prints them (markdown). */
export function formatTrainingReport(r: TrainInstallResult): string {
  const f4 = (x: number) => x.toFixed(4);
  const signed = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(4)}`;
  const lines = [
    `| fold | queries | first stage (fused) nDCG@10 | new head nDCG@10 | gain over first stage | active head (${r.activeVersion}) nDCG@10 |`,
    "|---|---|---|---|---|---|",
    ...r.folds.map(
      (f) =>
        `| ${f.fold} | ${f.queries} | ${f4(f.firstStageNdcg10)} | ${f4(f.candidateNdcg10)} | ${signed(f.candidateNdcg10 - f.firstStageNdcg10)} | ${f4(f.activeNdcg10)} |`,
    ),
    `| mean | ${r.queries} | ${f4(r.decision.meanFirstStage)} | ${f4(r.decision.meanCandidate)} | ${signed(r.decision.meanGain)} | ${f4(r.decision.meanActive)} |`,
    "",
    r.installed
      ? `decision: installed ${r.installed.version} and made it active (model ${r.installed.model.id}@${r.installed.model.version}): ${r.decision.reason}`
      : r.decision.install
        ? `decision: better, but not installed (dry run): ${r.decision.reason}`
        : `decision: not installed, ${r.activeVersion} stays active: ${r.decision.reason}`,
  ];
  return lines.join("\n");
}
