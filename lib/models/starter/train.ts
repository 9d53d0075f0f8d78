// Training of the reranker's linear head: pairwise logistic loss over each query's first-stage
// candidates (features from the reranker graph itself), then a pointwise calibration of the logit.
import { ndcgAt, rankDocuments } from "../../eval/metrics";
import { MIN_STD, STANDARD_CLIP } from "./spec";

export interface TrainingQuery {
  id: string;
  /** candidates × features, row-major. */
  features: Float32Array;
  featureCount: number;
  /** Document of each candidate (chunks of one document share it). */
  documentIds: string[];
  relevant: Map<string, number>;
}

export interface FittedHead {
  mean: number[];
  std: number[];
  weights: number[];
  bias: number;
}

export interface TrainOptions {
  iterations?: number;
  learningRate?: number;
  l2?: number;
  /** Platt-calibrate the logit (default true); a positive rescaling, so ranking alone can skip it. */
  calibrate?: boolean;
}

function standardiser(queries: TrainingQuery[], f: number) {
  const mean = new Array<number>(f).fill(0);
  const sq = new Array<number>(f).fill(0);
  let n = 0;
  for (const q of queries) {
    for (let r = 0; r < q.documentIds.length; r++, n++) {
      for (let j = 0; j < f; j++) {
        const v = q.features[r * f + j];
        mean[j] += v;
        sq[j] += v * v;
      }
    }
  }
  const std = mean.map((m, j) => {
    const mu = m / Math.max(1, n);
    // A floor keeps near-constant features (far kernels) from blowing up on unseen data.
    return Math.max(MIN_STD, Math.sqrt(Math.max(0, sq[j] / Math.max(1, n) - mu * mu)));
  });
  return { mean: mean.map((m) => m / Math.max(1, n)), std };
}

/** Standardised features, clipped as the ONNX graph clips them (STANDARD_CLIP). */
const row = (q: TrainingQuery, r: number, mean: number[], std: number[]) =>
  Array.from({ length: q.featureCount }, (_, j) => {
    const z = (q.features[r * q.featureCount + j] - mean[j]) / std[j];
    return Math.min(STANDARD_CLIP, Math.max(-STANDARD_CLIP, z));
  });

const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);

/** Fits the head with Adam on the pairwise logistic loss, then calibrates scale and bias pointwise. */
export function fitHead(queries: TrainingQuery[], opts: TrainOptions = {}): FittedHead {
  const f = queries[0]?.featureCount ?? 0;
  const { mean, std } = standardiser(queries, f);
  const { iterations = 400, learningRate = 0.05, l2 = 1e-2 } = opts;
  // Pairs as feature differences (relevant minus non-relevant), per query, flattened into one typed
  // array: the tuning sweep fits hundreds of heads, and nested number arrays made each fit ~50× slower.
  const rows = queries.map((q) => q.documentIds.map((_, r) => row(q, r, mean, std)));
  const pairs: { qi: number; p: number; n: number; per: number }[] = [];
  queries.forEach((q, qi) => {
    const pos = q.documentIds.flatMap((d, r) => ((q.relevant.get(d) ?? 0) > 0 ? [r] : []));
    const neg = q.documentIds.flatMap((d, r) => ((q.relevant.get(d) ?? 0) > 0 ? [] : [r]));
    const per = 1 / Math.max(1, pos.length * neg.length); // each query counts equally
    for (const p of pos) for (const n of neg) pairs.push({ qi, p, n, per });
  });
  const total = pairs.reduce((a, x) => a + x.per, 0) || 1;
  const diffs = new Float64Array(pairs.length * f);
  const pairWeight = new Float64Array(pairs.length);
  pairs.forEach(({ qi, p, n, per }, i) => {
    for (let j = 0; j < f; j++) diffs[i * f + j] = rows[qi][p][j] - rows[qi][n][j];
    pairWeight[i] = per / total;
  });
  const w = new Float64Array(f);
  const m = new Float64Array(f);
  const v = new Float64Array(f);
  const grad = new Float64Array(f);
  for (let t = 1; t <= iterations; t++) {
    for (let j = 0; j < f; j++) grad[j] = 2 * l2 * w[j];
    for (let i = 0, at = 0; i < pairs.length; i++, at += f) {
      let s = 0;
      for (let j = 0; j < f; j++) s += w[j] * diffs[at + j];
      const g = (-1 / (1 + Math.exp(s))) * pairWeight[i]; // d/ds log(1 + e^-s)
      for (let j = 0; j < f; j++) grad[j] += g * diffs[at + j];
    }
    for (let j = 0; j < f; j++) {
      m[j] = 0.9 * m[j] + 0.1 * grad[j];
      v[j] = 0.999 * v[j] + 0.001 * grad[j] * grad[j];
      const mh = m[j] / (1 - 0.9 ** t);
      const vh = v[j] / (1 - 0.999 ** t);
      w[j] -= (learningRate * mh) / (Math.sqrt(vh) + 1e-8);
    }
  }
  // Calibration: p(relevant) = sigmoid(a·s + c), fitted on all candidates by Newton steps with
  // backtracking (plain Newton can overshoot from c = 0 when relevant candidates are rare), a kept > 0
  // so calibration never reorders what the pairwise fit learned.
  const points: { s: number; y: number }[] = [];
  const weights = Array.from(w);
  queries.forEach((q, qi) =>
    q.documentIds.forEach((d, r) => points.push({ s: dot(weights, rows[qi][r]), y: (q.relevant.get(d) ?? 0) > 0 ? 1 : 0 })),
  );
  const [a, c] = opts.calibrate === false ? [1, 0] : calibrate(points);
  return { mean, std, weights: weights.map((x) => x * a), bias: c };
}

function logLoss(points: { s: number; y: number }[], a: number, c: number): number {
  let loss = 0;
  for (const { s, y } of points) {
    const z = a * s + c;
    // log(1 + e^z) - y z, computed stably
    loss += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - y * z;
  }
  return loss / Math.max(1, points.length);
}

/** Platt scaling: (a, c) minimising the log loss of sigmoid(a·s + c), with a ≥ 1e-3. */
export function calibrate(points: { s: number; y: number }[]): [number, number] {
  let a = 1;
  let c = 0;
  let loss = logLoss(points, a, c);
  for (let it = 0; it < 100; it++) {
    let ga = 0, gc = 0, haa = 1e-9, hac = 0, hcc = 1e-9;
    for (const { s, y } of points) {
      const p = 1 / (1 + Math.exp(-(a * s + c)));
      const e = p - y;
      const h = p * (1 - p);
      ga += e * s;
      gc += e;
      haa += h * s * s;
      hac += h * s;
      hcc += h;
    }
    const det = haa * hcc - hac * hac;
    const da = Math.abs(det) > 1e-12 ? (hcc * ga - hac * gc) / det : ga / haa;
    const dc = Math.abs(det) > 1e-12 ? (haa * gc - hac * ga) / det : gc / hcc;
    let step = 1;
    let improved = false;
    for (let tries = 0; tries < 30; tries++, step /= 2) {
      const na = Math.max(1e-3, a - step * da);
      const nc = c - step * dc;
      const nl = logLoss(points, na, nc);
      if (nl < loss) {
        a = na;
        c = nc;
        improved = loss - nl > 1e-10;
        loss = nl;
        break;
      }
    }
    if (!improved) break;
  }
  return [a, c];
}

export function scoreQuery(q: TrainingQuery, head: FittedHead): number[] {
  return q.documentIds.map((_, r) => dot(head.weights, row(q, r, head.mean, head.std)) + head.bias);
}

/** nDCG@10 at document level (a document scores as its best chunk) for the given candidate scores. */
export function queryNdcg(q: TrainingQuery, scores: number[], k = 10): number {
  return ndcgAt(rankDocuments(q.documentIds.map((documentId, i) => ({ documentId, score: scores[i] }))), q.relevant, k);
}

export interface FoldResult {
  fold: number;
  queries: number;
  firstStageNdcg10: number;
  rerankedNdcg10: number;
}

/** k-fold cross-validation by query; the first stage's order is the candidates' given order. */
export function crossValidate(queries: TrainingQuery[], folds = 5, opts: TrainOptions = {}): FoldResult[] {
  const out: FoldResult[] = [];
  for (let fold = 0; fold < folds; fold++) {
    const test = queries.filter((_, i) => i % folds === fold);
    const train = queries.filter((_, i) => i % folds !== fold);
    const head = fitHead(train, opts);
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    out.push({
      fold: fold + 1,
      queries: test.length,
      firstStageNdcg10: avg(test.map((q) => queryNdcg(q, q.documentIds.map((_, i) => -i)))),
      rerankedNdcg10: avg(test.map((q) => queryNdcg(q, scoreQuery(q, head)))),
    });
  }
  return out;
}
