import { GraphBuilder } from "../onnx/graph";
import { ort } from "../onnx/session";
import {
  headOutputs,
  kernelValues,
  matchFeatures,
  queryInputs,
  queryWeights,
  segmentInputs,
  similarities,
  unitWordTable,
  wordInputs,
  type WordVectors,
} from "./build";
import { segmentRanges, writeQuery, type PairRow } from "./rerank-inputs";
import { FIRST_STAGE_FEATURES, KERNEL_MUS, type RerankerHead } from "./spec";
import type { Vocabulary } from "./vocabulary";

// The reranker graph as it was before graph format 2: kernels computed for every passage token of every
// pair ([batch, p, q, 11]) and pooled with the passage mask. Kept for tests only, as the reference the
// distinct-word graph (build.ts) must equal.

export function buildTokenRerankerGraph(wv: WordVectors, head: RerankerHead): Uint8Array {
  const g = new GraphBuilder("knrm_reranker");
  const query = queryInputs(g, "batch");
  const passage = wordInputs(g, "passage", ["batch", "p"]);
  const pMask = g.input({ name: "passage_mask", type: "FLOAT", shape: ["batch", "p"] });
  // Passage and segment words as rows of the flattened [batch·p, q] similarities: token positions.
  const passageRows = g.input({ name: "passage_rows", type: "INT32", shape: ["batch", "p"] });
  const segmentWords = segmentInputs(g, "batch");
  const first = g.input({ name: "first_stage", type: "FLOAT", shape: ["batch", FIRST_STAGE_FEATURES.length] });
  const sim = similarities(g, unitWordTable(g, wv), passage, query); // [b, p, q]
  const perPassage = g.op("Concat", [g.op("Shape", [sim], { start: 0, end: 2 }), g.ints([-1])], { axis: 0 });
  const kernelsByPassage = g.op("Reshape", [kernelValues(g, sim), perPassage]); // [b, p, q·11]
  // Σ over passage words, padding masked out: [b, 1, p] × [b, p, q·11].
  const pooledFlat = g.op("MatMul", [g.op("Unsqueeze", [pMask, g.ints([1])]), kernelsByPassage]);
  const pooled = g.op("Reshape", [pooledFlat, g.ints([0, -1, KERNEL_MUS.length])]); // [b, q, 11]
  const weights = queryWeights(g, query);
  const match = matchFeatures(
    g,
    g.op("Flatten", [sim], { axis: 2 }),
    { rows: passageRows, mask: pMask },
    segmentWords,
    weights,
  );
  headOutputs(g, pooled, weights, match, first, head);
  return g.encode();
}

/** The token graph's feeds: rows padded to the longest query and passage (masked). */
export function tokenGraphFeeds(rows: PairRow[], vocab: Vocabulary, defaultIdf: number): Record<string, ort.Tensor> {
  const batch = rows.length;
  const q = Math.max(1, ...rows.map((r) => r.query.length));
  const p = Math.max(1, ...rows.map((r) => r.passage.ids.length));
  const queryIds = new Int32Array(batch * q);
  const queryHash = new Int32Array(batch * q);
  const queryMask = new Float32Array(batch * q);
  const queryIdf = new Float32Array(batch * q);
  const passageIds = new Int32Array(batch * p);
  // Padding hashes differ between query and passage so padding never "matches".
  const passageHash = new Int32Array(batch * p).fill(1);
  const passageMask = new Float32Array(batch * p);
  const firstStage = new Float32Array(batch * FIRST_STAGE_FEATURES.length);
  const passageRows = Int32Array.from({ length: batch * p }, (_, i) => i);
  const ranges = rows.map((row) => segmentRanges(row.passage));
  const s = Math.max(1, ...ranges.map((r) => r.length));
  const l = Math.max(1, ...ranges.flatMap((r) => r.map(([a, e]) => e - a)));
  // Every token of a segment (repeats included), padding the row after the last.
  const segmentWords = new Int32Array(batch * s * l).fill(batch * p);
  ranges.forEach((r, b) =>
    r.forEach(([a, e], k) => {
      for (let t = a; t < e; t++) segmentWords[(b * s + k) * l + t - a] = b * p + t;
    }),
  );
  rows.forEach((row, b) => {
    writeQuery({ queryIds, queryHash, queryMask, queryIdf }, b * q, row, vocab, defaultIdf);
    passageIds.set(row.passage.ids, b * p);
    passageHash.set(row.passage.hashes, b * p);
    passageMask.fill(1, b * p, b * p + row.passage.ids.length);
    firstStage.set(row.firstStage, b * FIRST_STAGE_FEATURES.length);
  });
  return {
    query_ids: new ort.Tensor("int32", queryIds, [batch, q]),
    query_hash: new ort.Tensor("int32", queryHash, [batch, q]),
    query_mask: new ort.Tensor("float32", queryMask, [batch, q]),
    query_idf: new ort.Tensor("float32", queryIdf, [batch, q]),
    passage_ids: new ort.Tensor("int32", passageIds, [batch, p]),
    passage_hash: new ort.Tensor("int32", passageHash, [batch, p]),
    passage_mask: new ort.Tensor("float32", passageMask, [batch, p]),
    passage_rows: new ort.Tensor("int32", passageRows, [batch, p]),
    segment_words: new ort.Tensor("int32", segmentWords, [batch, s, l]),
    first_stage: new ort.Tensor("float32", firstStage, [batch, FIRST_STAGE_FEATURES.length]),
  };
}
