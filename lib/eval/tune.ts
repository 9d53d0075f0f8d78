// Cross-validated choice of the search defaults (chunk size, fusion, k) for `npm run tune`: every
// setting is scored in memory from the lists tune-data.ts gathered, through the same fusion, first-stage
// features and head as the app, and the selection procedure itself is scored on held-out folds.
import { firstStageFeatures } from "@/lib/models/starter/rerank-inputs";
import { FEATURE_NAMES } from "@/lib/models/starter/spec";
import {
  fitHead,
  scoreQuery,
  type FittedHead,
  type TrainingQuery,
  type TrainOptions,
} from "@/lib/models/starter/train";
import { fuse, type Fusion } from "@/lib/retrieval/fusion";
import type { Qrels } from "./beir";
import { mean, ndcgAt, rankDocuments, recallAt } from "./metrics";
import { fusionLabel } from "./report";
import type { Stage } from "./run-queries";
import { denseFetchK, type TuneQuery } from "./tune-data";

export interface Setting {
  chunkSize: number;
  fusion: Fusion;
  k: number;
}

export const settingLabel = (s: Setting) => `chunk ${s.chunkSize}, ${fusionLabel(s.fusion)}, k=${s.k}`;

/** Fold of each query: a seeded shuffle dealt round-robin, so every run splits the queries the same way. */
export function assignFolds(count: number, folds: number, seed: number): number[] {
  let state = seed >>> 0;
  const rand = () => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const order = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const fold = new Array<number>(count);
  order.forEach((q, i) => (fold[q] = i % folds));
  return fold;
}

/** One query under one setting: each stage's document ranking and the reranker's input rows. */
export interface SettingQuery {
  rankings: Omit<Record<Stage, string[]>, "reranked">;
  training: TrainingQuery;
}

/** A query's stages under a setting, exactly as runSearch would produce them from the same lists. */
export function evaluateQuery(
  q: TuneQuery,
  relevant: Map<string, number>,
  setting: Setting,
  ks: number[],
): SettingQuery {
  const { k, fusion } = setting;
  const bm25 = q.bm25.slice(0, k);
  const dense = (q.dense[denseFetchK(k, ks)] ?? []).slice(0, k);
  const fused = fuse({ bm25, vector: dense, fusion }).slice(0, k);
  const docsOf = (list: { chunkId: number; score: number }[]) =>
    rankDocuments(list.map((r) => ({ documentId: q.chunks[r.chunkId].doc, score: r.score })));
  const firstStage = firstStageFeatures(
    fused.map((c) => ({ id: String(c.chunkId), text: "", features: c })),
    fused.map((c) => q.chunks[c.chunkId].tokens),
  );
  const f = FEATURE_NAMES.length;
  const features = new Float32Array(fused.length * f);
  fused.forEach((c, i) => {
    features.set(q.chunks[c.chunkId].kernel, i * f);
    features.set(firstStage[i], i * f + q.chunks[c.chunkId].kernel.length);
  });
  return {
    rankings: {
      bm25: docsOf(bm25),
      dense: docsOf(dense),
      fused: docsOf(fused.map((c) => ({ chunkId: c.chunkId, score: -c.fusedRank }))),
    },
    training: {
      id: q.id,
      features,
      featureCount: f,
      documentIds: fused.map((c) => q.chunks[c.chunkId].doc),
      relevant,
    },
  };
}

export const rerankedRanking = (t: TrainingQuery, head: FittedHead) =>
  rankDocuments(scoreQuery(t, head).map((score, i) => ({ documentId: t.documentIds[i], score })));

export type Metric = "ndcg@10" | "recall@45";
export const METRICS: Metric[] = ["ndcg@10", "recall@45"];
export const metricOf = (m: Metric, ranked: string[], relevant: Map<string, number>) =>
  m === "ndcg@10" ? ndcgAt(ranked, relevant, 10) : recallAt(ranked, relevant, 45);

/** Per-query metrics of one setting, aligned with the queries; `reranked` with the given (active) head. */
export interface SettingScores {
  setting: Setting;
  perQuery: Record<Stage, Record<Metric, number[]>>;
}

export function scoreSetting(args: {
  data: TuneQuery[];
  qrels: Qrels;
  setting: Setting;
  ks: number[];
  activeHead: FittedHead;
}): SettingScores {
  const stages: Stage[] = ["bm25", "dense", "fused", "reranked"];
  const perQuery = Object.fromEntries(
    stages.map((s) => [s, { "ndcg@10": [] as number[], "recall@45": [] as number[] }]),
  ) as SettingScores["perQuery"];
  for (const q of args.data) {
    const relevant = args.qrels.get(q.id) ?? new Map<string, number>();
    const sq = evaluateQuery(q, relevant, args.setting, args.ks);
    const rankings = { ...sq.rankings, reranked: rerankedRanking(sq.training, args.activeHead) };
    for (const s of stages) for (const m of METRICS) perQuery[s][m].push(metricOf(m, rankings[s], relevant));
  }
  return { setting: args.setting, perQuery };
}

const meanAt = (xs: number[], idx: number[]) => mean(idx.map((i) => xs[i]));

/**
 * Step 1 of the selection, for one (chunk size, k): the fusion with the best fused nDCG@10 on the
 * selection queries among those whose fused stage is not below BM25 alone there (if none is, the best).
 */
export function chooseFusion(candidates: SettingScores[], idx: number[]): SettingScores {
  const fused = (s: SettingScores) => meanAt(s.perQuery.fused["ndcg@10"], idx);
  const safe = candidates.filter((s) => fused(s) >= meanAt(s.perQuery.bm25["ndcg@10"], idx));
  const pool = safe.length ? safe : candidates;
  return pool.reduce((best, s) => (fused(s) > fused(best) ? s : best));
}

/** A head trained on some queries of a setting, and its nDCG@10 per query (NaN where not scored). */
export interface HeadFit {
  head: FittedHead;
  ndcg10: number[];
}

/**
 * Trains reranker heads for settings on query subsets and caches them (the sweep asks for the same
 * setting and fold more than once). Training options are the tuning's (fewer iterations, no
 * calibration: a positive rescaling that never changes the order).
 */
export function headTrainer(args: {
  data: TuneQuery[];
  qrels: Qrels;
  ks: number[];
  train: TrainOptions;
  onFit?: () => void;
}) {
  const rows = new Map<string, TrainingQuery[]>();
  const heads = new Map<string, FittedHead>();
  return (setting: Setting, trainIdx: number[], key: string): { head: FittedHead; queries: TrainingQuery[] } => {
    const label = settingLabel(setting);
    let queries = rows.get(label);
    if (!queries) {
      queries = args.data.map((q) => evaluateQuery(q, args.qrels.get(q.id) ?? new Map(), setting, args.ks).training);
      rows.set(label, queries);
    }
    let head = heads.get(`${label}|${key}`);
    if (!head) {
      const all = queries;
      head = fitHead(
        trainIdx.map((i) => all[i]),
        args.train,
      );
      heads.set(`${label}|${key}`, head);
      args.onFit?.();
    }
    return { head, queries };
  };
}

export interface Selection {
  setting: Setting;
  /** Mean nDCG@10 on the selection queries (in-sample for the head trained on them). */
  selectionNdcg10: { bm25: number; fused: number; reranked: number };
  head: FittedHead;
}

/**
 * The selection procedure on a set of queries: per (chunk size, k) the fusion by step 1, then the
 * (chunk size, k) whose reranked nDCG@10 — with a head trained on these same queries — is best
 * (ties: the smaller k, less to rerank).
 */
export function selectDefaults(args: {
  grid: SettingScores[];
  idx: number[];
  train: ReturnType<typeof headTrainer>;
  key: string;
}): Selection {
  const groups = new Map<string, SettingScores[]>();
  for (const s of args.grid) {
    const g = `${s.setting.chunkSize}|${s.setting.k}`;
    groups.set(g, [...(groups.get(g) ?? []), s]);
  }
  let best: Selection | null = null;
  for (const candidates of groups.values()) {
    const chosen = chooseFusion(candidates, args.idx);
    const { head, queries } = args.train(chosen.setting, args.idx, args.key);
    const reranked = mean(args.idx.map((i) => ndcgAt(rerankedRanking(queries[i], head), queries[i].relevant, 10)));
    const sel: Selection = {
      setting: chosen.setting,
      selectionNdcg10: {
        bm25: meanAt(chosen.perQuery.bm25["ndcg@10"], args.idx),
        fused: meanAt(chosen.perQuery.fused["ndcg@10"], args.idx),
        reranked,
      },
      head,
    };
    if (
      !best ||
      reranked > best.selectionNdcg10.reranked ||
      (reranked === best.selectionNdcg10.reranked && sel.setting.k < best.setting.k)
    ) {
      best = sel;
    }
  }
  if (!best) throw new Error("nothing to select from: the grid is empty");
  return best;
}

export interface FoldOutcome {
  fold: number;
  queries: number;
  chosen: string;
  /** Held-out means at the setting chosen on the other folds (reranked with the head trained there). */
  heldOut: { bm25: number; fused: number; reranked: number };
}

/**
 * Scores the selection procedure: for each fold, choose on the other folds (settings and head), then
 * measure the choice on the fold. The query-weighted mean of the held-out reranked nDCG@10 is the CV score.
 */
export function crossValidateSelection(args: {
  grid: SettingScores[];
  folds: number[];
  train: ReturnType<typeof headTrainer>;
}): { folds: FoldOutcome[]; cv: { bm25: number; fused: number; reranked: number } } {
  const k = Math.max(...args.folds) + 1;
  const out: FoldOutcome[] = [];
  const all = args.folds.map((_, i) => i);
  for (let f = 0; f < k; f++) {
    const trainIdx = all.filter((i) => args.folds[i] !== f);
    const testIdx = all.filter((i) => args.folds[i] === f);
    const sel = selectDefaults({ grid: args.grid, idx: trainIdx, train: args.train, key: `fold${f}` });
    const scores = args.grid.find((s) => s.setting === sel.setting)!;
    const { queries } = args.train(sel.setting, trainIdx, `fold${f}`);
    out.push({
      fold: f + 1,
      queries: testIdx.length,
      chosen: settingLabel(sel.setting),
      heldOut: {
        bm25: meanAt(scores.perQuery.bm25["ndcg@10"], testIdx),
        fused: meanAt(scores.perQuery.fused["ndcg@10"], testIdx),
        reranked: mean(testIdx.map((i) => ndcgAt(rerankedRanking(queries[i], sel.head), queries[i].relevant, 10))),
      },
    });
  }
  const n = out.reduce((s, f) => s + f.queries, 0);
  const w = (key: "bm25" | "fused" | "reranked") => out.reduce((s, f) => s + f.heldOut[key] * f.queries, 0) / n;
  return { folds: out, cv: { bm25: w("bm25"), fused: w("fused"), reranked: w("reranked") } };
}

/**
 * Out-of-fold reranked nDCG@10 of one setting: each query scored by a head trained on the other folds
 * (the per-setting CV score in the table, without any selection).
 */
export function outOfFoldReranked(args: {
  setting: Setting;
  folds: number[];
  train: ReturnType<typeof headTrainer>;
}): number {
  const k = Math.max(...args.folds) + 1;
  const all = args.folds.map((_, i) => i);
  const scores: number[] = [];
  for (let f = 0; f < k; f++) {
    const { head, queries } = args.train(
      args.setting,
      all.filter((i) => args.folds[i] !== f),
      `fold${f}`,
    );
    for (const i of all)
      if (args.folds[i] === f) scores.push(ndcgAt(rerankedRanking(queries[i], head), queries[i].relevant, 10));
  }
  return mean(scores);
}
