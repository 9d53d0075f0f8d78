// A bi-encoder from a Hugging Face ONNX export (BERT, XLM-R, MPNet families): tokenise with the query or
// passage prefix, cut to the max length, batch by token budget, run, pool (mean or CLS), L2-normalise.
import path from "node:path";
import { openSession, type ort } from "@/lib/models/onnx/session";
import type { EmbedKind, Embedder, ModelInfo } from "@/lib/models/types";
import { batchByTokenBudget, padBatch } from "./batching";
import { loadManifest, verifyManifestFiles, type HfManifest } from "./manifest";
import { loadHfTokenizer, type Encoded, type HfTokenizer } from "./tokenizer";

export interface HfLoadOptions {
  executionProviders?: string[];
  threads?: number;
  /** Check every file's sha256 against the manifest before loading (reads the whole model once). */
  verify?: boolean;
}

/** Tokens cut by truncation since the model was loaded. */
export interface TruncationStats {
  texts: number;
  tokens: number;
}

export interface HfEmbedder extends Embedder {
  readonly manifest: HfManifest;
  readonly executionProvider: string;
  readonly inputNames: readonly string[];
  readonly truncation: Readonly<TruncationStats>;
  /** The ids the model sees for a text: prefix, special tokens, truncation. */
  encode(text: string, kind: EmbedKind): Encoded;
  /** Vectors plus, per text, the tokens truncation cut off. */
  embedDetailed(
    texts: string[],
    options: { kind: EmbedKind },
  ): Promise<{ vectors: Float32Array[]; truncatedTokens: number[] }>;
  release(): Promise<void>;
}

export function modelInfo(dir: string, manifest: HfManifest): ModelInfo {
  const modelFile = manifest.files.find((f) => f.path === manifest.model);
  return {
    id: manifest.id ?? path.basename(dir),
    version: manifest.revision ?? modelFile?.sha256.slice(0, 12) ?? "local",
  };
}

export async function openHfModel(dir: string, manifest: HfManifest | undefined, opts: HfLoadOptions) {
  const m = manifest ?? (await loadManifest(dir));
  if (opts.verify) await verifyManifestFiles(dir, m);
  const [tokenizer, opened] = await Promise.all([
    loadHfTokenizer(dir),
    openSession(path.join(dir, m.model), opts.executionProviders ?? ["cpu"], opts.threads),
  ]);
  return { manifest: m, tokenizer, ...opened };
}

export async function loadHfEmbedder(
  dir: string,
  manifest?: HfManifest,
  opts: HfLoadOptions = {},
): Promise<HfEmbedder> {
  const { manifest: m, tokenizer, session, executionProvider } = await openHfModel(dir, manifest, opts);
  if (m.kind !== "embedder") throw new Error(`${dir} holds a ${m.kind}, not an embedder`);
  const output = session.outputNames.includes("last_hidden_state") ? "last_hidden_state" : session.outputNames[0];
  const dimension = m.dimension!;
  const truncation: TruncationStats = { texts: 0, tokens: 0 };
  const encode = (text: string, kind: EmbedKind) =>
    tokenizer.encode((kind === "query" ? m.queryPrefix : m.passagePrefix) + text, m.maxLength);

  const embedDetailed: HfEmbedder["embedDetailed"] = async (texts, { kind }) => {
    const encoded = texts.map((t) => encode(t, kind));
    const vectors = new Array<Float32Array>(texts.length);
    for (const batch of batchByTokenBudget(
      encoded.map((e) => e.ids.length),
      m.tokenBudget,
    )) {
      const rows = await runBatch(
        session,
        output,
        tokenizer,
        batch.map((i) => encoded[i]),
        m,
        dimension,
      );
      batch.forEach((i, r) => (vectors[i] = rows[r]));
    }
    const truncatedTokens = encoded.map((e) => e.truncated);
    for (const t of truncatedTokens) {
      if (t > 0) {
        truncation.texts++;
        truncation.tokens += t;
      }
    }
    return { vectors, truncatedTokens };
  };

  return {
    info: modelInfo(dir, m),
    dimension,
    manifest: m,
    executionProvider,
    inputNames: session.inputNames,
    truncation,
    encode,
    embedDetailed,
    embed: async (texts, options) => (await embedDetailed(texts, options)).vectors,
    release: () => session.release(),
  };
}

async function runBatch(
  session: ort.InferenceSession,
  output: string,
  tokenizer: HfTokenizer,
  encoded: Encoded[],
  m: HfManifest,
  dimension: number,
): Promise<Float32Array[]> {
  const batch = padBatch(encoded, tokenizer.padId, session.inputNames);
  const result = await session.run(batch.feeds, [output]);
  const tensor = result[output];
  const [b, s, h] = tensor.dims;
  if (tensor.dims.length !== 3 || b !== batch.size || s !== batch.length) {
    throw new Error(
      `${output} has shape [${tensor.dims.join(", ")}], expected [${batch.size}, ${batch.length}, hidden]`,
    );
  }
  if (h !== dimension) throw new Error(`the model's hidden size is ${h}, the manifest says dimension ${dimension}`);
  return pool(tensor.data as Float32Array, batch.mask, [b, s, h], m.pooling, m.normalize);
}

/** Mean over the attention mask, or the first ([CLS]) token; then optionally L2-normalised. */
export function pool(
  hidden: Float32Array,
  mask: ArrayLike<bigint | number>,
  [b, s, h]: readonly number[],
  pooling: "mean" | "cls",
  normalize: boolean,
): Float32Array[] {
  const out: Float32Array[] = [];
  for (let row = 0; row < b; row++) {
    const v = new Float32Array(h);
    if (pooling === "cls") {
      v.set(hidden.subarray(row * s * h, row * s * h + h));
    } else {
      // Accumulate in float64 so the result does not depend on how much padding the batch added.
      const sum = new Float64Array(h);
      let count = 0;
      for (let j = 0; j < s; j++) {
        if (Number(mask[row * s + j]) === 0) continue;
        count++;
        const base = (row * s + j) * h;
        for (let k = 0; k < h; k++) sum[k] += hidden[base + k];
      }
      for (let k = 0; k < h; k++) v[k] = sum[k] / Math.max(count, 1);
    }
    if (normalize) {
      let norm = 0;
      for (let k = 0; k < h; k++) norm += v[k] * v[k];
      norm = Math.sqrt(norm) || 1;
      for (let k = 0; k < h; k++) v[k] /= norm;
    }
    out.push(v);
  }
  return out;
}
