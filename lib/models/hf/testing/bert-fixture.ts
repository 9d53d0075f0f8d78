// Test fixtures: a small BERT-architecture model with random weights, written as ONNX by our own writer
// and laid out like a Hugging Face ONNX export (onnx/model.onnx, tokenizer.json, config.json, …).
// Pretrained weights cannot be downloaded here; the loaders only need the architecture and the files' shape.
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { GraphBuilder, type ValueInfo } from "@/lib/models/onnx/graph";
import type { HfManifestInput } from "../manifest";
import { tokenizerConfigJson, tokenizerJson, wordPieceVocabulary } from "./wordpiece-vocab";

export interface BertFixtureOptions {
  /** "embedder": outputs last_hidden_state [batch, sequence, hidden]; "cross-encoder": logits [batch, 1]. */
  kind: "embedder" | "cross-encoder";
  /** Whether the graph takes token_type_ids (BERT exports do; some others, e.g. DistilBERT, don't). */
  tokenTypeIds?: boolean;
  layers?: number;
  hidden?: number;
  heads?: number;
  intermediate?: number;
  maxPositions?: number;
  seed?: number;
  /** "onnx": onnx/model.onnx (Optimum / transformers.js layout); "root": model.onnx beside config.json. */
  layout?: "onnx" | "root";
  /** Writes a manifest.json (with sha256 of every file) using these fields; none when omitted. */
  manifest?: Omit<HfManifestInput, "kind" | "files" | "model">;
}

export interface BertFixture {
  dir: string;
  modelFile: string;
  vocab: string[];
  hidden: number;
  files: { path: string; sha256: string; size: number }[];
}

/** mulberry32: a small seeded PRNG, so fixtures are the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Builds the ONNX bytes of a BERT encoder (post-LN, as bert-base) with one of the two heads. */
export function buildBertOnnx(opts: BertFixtureOptions & { vocabSize: number }): Uint8Array {
  const {
    kind,
    vocabSize,
    tokenTypeIds = true,
    layers = 2,
    hidden: H = 32,
    heads = 2,
    intermediate = 64,
    maxPositions = 128,
    seed = 7,
  } = opts;
  const dh = H / heads;
  if (!Number.isInteger(dh)) throw new Error(`hidden ${H} is not a multiple of heads ${heads}`);
  const rand = prng(seed);
  const g = new GraphBuilder(kind === "embedder" ? "bert_encoder" : "bert_cross_encoder");
  let n = 0;
  // Uniform in ±scale: large enough that tokens, positions and pooling choices give clearly different vectors.
  const weight = (dims: number[], scale = 0.3, offset = 0) => {
    const size = dims.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    for (let i = 0; i < size; i++) data[i] = offset + (rand() * 2 - 1) * scale;
    return g.init({ name: `w${n++}`, type: "FLOAT", dims, data });
  };
  const layerNorm = (x: string) =>
    g.op("LayerNormalization", [x, weight([H], 0.1, 1), weight([H], 0.1)], { axis: -1, epsilon: { float: 1e-12 } });
  const linear = (x: string, inDim: number, outDim: number) =>
    g.op("Add", [g.op("MatMul", [x, weight([inDim, outDim], 1 / Math.sqrt(inDim))]), weight([outDim], 0.1)]);

  const dyn = (name: string): ValueInfo => ({ name, type: "INT64", shape: ["batch_size", "sequence_length"] });
  const inputIds = g.input(dyn("input_ids"));
  const attentionMask = g.input(dyn("attention_mask"));
  const typeIds = tokenTypeIds ? g.input(dyn("token_type_ids")) : null;

  // Embeddings: word + position (the first `sequence` rows) + token type (row 0 when the graph has no input).
  const wordEmb = weight([vocabSize, H], 1);
  const posEmb = weight([maxPositions, H], 0.5);
  const typeEmb = weight([2, H], 0.5);
  const seqLen = g.op("Shape", [inputIds], { start: 1, end: 2 });
  const positions = g.op("Slice", [posEmb, g.ints([0]), seqLen, g.ints([0])]);
  const types = typeIds
    ? g.op("Gather", [typeEmb, typeIds])
    : g.op("Slice", [typeEmb, g.ints([0]), g.ints([1]), g.ints([0])]);
  let x = g.op("Add", [g.op("Add", [g.op("Gather", [wordEmb, inputIds]), positions]), types]);
  x = layerNorm(x);

  // Additive attention bias [batch, 1, 1, sequence]: 0 where the mask is 1, -1e9 where it is 0 (padding).
  const maskF = g.op("Cast", [attentionMask], { to: 1 });
  const bias = g.op("Unsqueeze", [
    g.op("Mul", [g.op("Sub", [g.const([1], []), maskF]), g.const([-1e9], [])]),
    g.ints([1, 2]),
  ]);
  const headShape = g.ints([0, 0, heads, dh]);
  const mergedShape = g.ints([0, 0, H]);
  const scale = g.const([1 / Math.sqrt(dh)], []);
  const erfScale = g.const([Math.SQRT1_2], []);
  const half = g.const([0.5], []);
  const one = g.const([1], []);

  for (let l = 0; l < layers; l++) {
    const split = (t: string, perm: number[]) => g.op("Transpose", [g.op("Reshape", [t, headShape])], { perm });
    const q = split(linear(x, H, H), [0, 2, 1, 3]); // [b, heads, s, dh]
    const k = split(linear(x, H, H), [0, 2, 3, 1]); // [b, heads, dh, s]
    const v = split(linear(x, H, H), [0, 2, 1, 3]);
    const scores = g.op("Add", [g.op("Mul", [g.op("MatMul", [q, k]), scale]), bias]);
    const context = g.op("MatMul", [g.op("Softmax", [scores], { axis: -1 }), v]);
    const merged = g.op("Reshape", [g.op("Transpose", [context], { perm: [0, 2, 1, 3] }), mergedShape]);
    x = layerNorm(g.op("Add", [linear(merged, H, H), x]));
    // GELU (exact, erf form) as BERT uses it; the Gelu operator needs opset 20.
    const up = linear(x, H, intermediate);
    const gelu = g.op("Mul", [g.op("Mul", [up, half]), g.op("Add", [g.op("Erf", [g.op("Mul", [up, erfScale])]), one])]);
    x = layerNorm(g.op("Add", [linear(gelu, intermediate, H), x]));
  }

  if (kind === "embedder") {
    g.output({ name: "last_hidden_state", type: "FLOAT", shape: ["batch_size", "sequence_length", H] }, x);
  } else {
    // BertForSequenceClassification: pooler (dense + tanh on [CLS]) then a one-logit classifier.
    const cls = g.op(
      "Gather",
      [x, g.init({ name: "cls_index", type: "INT64", dims: [], data: BigInt64Array.from([0n]) })],
      {
        axis: 1,
      },
    );
    const pooled = g.op("Tanh", [linear(cls, H, H)]);
    g.output({ name: "logits", type: "FLOAT", shape: ["batch_size", 1] }, linear(pooled, H, 1));
  }
  return g.encode();
}

const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");

/** Writes a fixture folder like a Hugging Face ONNX export; returns its files with their checksums. */
export async function writeBertFixture(dir: string, opts: BertFixtureOptions): Promise<BertFixture> {
  const vocab = wordPieceVocabulary();
  const hidden = opts.hidden ?? 32;
  const maxPositions = opts.maxPositions ?? 128;
  const modelFile = (opts.layout ?? "onnx") === "onnx" ? "onnx/model.onnx" : "model.onnx";
  const config = {
    _name_or_path: `ranklens-test/bert-${opts.kind}`,
    architectures: [opts.kind === "embedder" ? "BertModel" : "BertForSequenceClassification"],
    model_type: "bert",
    hidden_size: hidden,
    num_hidden_layers: opts.layers ?? 2,
    num_attention_heads: opts.heads ?? 2,
    intermediate_size: opts.intermediate ?? 64,
    hidden_act: "gelu",
    max_position_embeddings: maxPositions,
    type_vocab_size: 2,
    vocab_size: vocab.length,
    layer_norm_eps: 1e-12,
    pad_token_id: 0,
    ...(opts.kind === "cross-encoder" ? { id2label: { 0: "LABEL_0" }, label2id: { LABEL_0: 0 } } : {}),
  };
  const contents: Record<string, Uint8Array | string> = {
    [modelFile]: buildBertOnnx({ ...opts, vocabSize: vocab.length }),
    "tokenizer.json": JSON.stringify(tokenizerJson(vocab), null, 2),
    "tokenizer_config.json": JSON.stringify(tokenizerConfigJson(maxPositions), null, 2),
    "special_tokens_map.json": JSON.stringify({
      cls_token: "[CLS]",
      mask_token: "[MASK]",
      pad_token: "[PAD]",
      sep_token: "[SEP]",
      unk_token: "[UNK]",
    }),
    "config.json": JSON.stringify(config, null, 2),
  };
  const files: BertFixture["files"] = [];
  for (const [rel, data] of Object.entries(contents)) {
    const file = path.join(dir, rel);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, data);
    files.push({
      path: rel,
      sha256: sha256(data),
      size: typeof data === "string" ? Buffer.byteLength(data) : data.byteLength,
    });
  }
  if (opts.manifest) {
    const manifest: HfManifestInput = { ...opts.manifest, kind: opts.kind, model: modelFile, files };
    await writeFile(path.join(dir, "manifest.json"), JSON.stringify(manifest, null, 2));
  }
  return { dir, modelFile: path.join(dir, modelFile), vocab, hidden, files };
}
