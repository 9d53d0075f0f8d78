// A cross-encoder from a Hugging Face ONNX export (ms-marco MiniLM, bge-reranker): (query, passage)
// pairs encoded by the tokenizer's own pair template, token_type_ids only when the graph takes them,
// logits → sigmoid. Also a batching Reranker (prepare / rerankMany / warmUp), so the worker serves it like
// the starter model: requests are tokenised apart, then the pairs of several go to the model together.
import type { BatchingReranker, PreparedRerank, RerankRequest, RerankResponse } from "@/lib/models/types";
import { batchByTokenBudget, padBatch } from "./batching";
import { modelInfo, openHfModel, type HfLoadOptions, type TruncationStats } from "./embedder";
import type { HfManifest } from "./manifest";
import type { Encoded } from "./tokenizer";

export interface CrossEncoderScores {
  /** sigmoid(logit) in (0, 1), one per passage, in input order. */
  scores: number[];
  logits: number[];
  /** Tokens cut off each pair to fit the max length. */
  truncatedTokens: number[];
}

export interface HfCrossEncoder extends BatchingReranker {
  readonly manifest: HfManifest;
  readonly executionProvider: string;
  readonly inputNames: readonly string[];
  readonly truncation: Readonly<TruncationStats>;
  encodePair(query: string, passage: string): Encoded;
  score(query: string, passages: string[]): Promise<CrossEncoderScores>;
  /** Runs the model once on short and full-length pairs, so the first request does not pay for allocation. */
  warmUp(): Promise<void>;
  release(): Promise<void>;
}

export const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export async function loadHfCrossEncoder(
  dir: string,
  manifest?: HfManifest,
  opts: HfLoadOptions = {},
): Promise<HfCrossEncoder> {
  const { manifest: m, tokenizer, session, executionProvider } = await openHfModel(dir, manifest, opts);
  if (m.kind !== "cross-encoder") throw new Error(`${dir} holds an ${m.kind}, not a cross-encoder`);
  const output = session.outputNames.includes("logits") ? "logits" : session.outputNames[0];
  const truncation: TruncationStats = { texts: 0, tokens: 0 };
  const info = modelInfo(dir, m);
  const encodePair = (query: string, passage: string) =>
    tokenizer.encodePair(m.queryPrefix + query, m.passagePrefix + passage, m.maxLength);

  /** Logits of encoded pairs, in order; truncation counted once per pair. */
  const logitsOf = async (encoded: Encoded[]): Promise<number[]> => {
    const logits = new Array<number>(encoded.length);
    for (const batch of batchByTokenBudget(
      encoded.map((e) => e.ids.length),
      m.tokenBudget,
    )) {
      const padded = padBatch(
        batch.map((i) => encoded[i]),
        tokenizer.padId,
        session.inputNames,
      );
      const tensor = (await session.run(padded.feeds, [output]))[output];
      const labels = tensor.dims.length === 2 ? tensor.dims[1] : 1;
      if (tensor.dims[0] !== padded.size || labels > 2) {
        throw new Error(`${output} has shape [${tensor.dims.join(", ")}], expected [${padded.size}, 1]`);
      }
      const data = tensor.data as Float32Array;
      // One label: the logit itself. Two (not relevant, relevant): their difference, so sigmoid = softmax.
      batch.forEach((i, r) => (logits[i] = labels === 2 ? data[r * 2 + 1] - data[r * 2] : data[r]));
    }
    for (const e of encoded) {
      if (e.truncated > 0) {
        truncation.texts++;
        truncation.tokens += e.truncated;
      }
    }
    return logits;
  };

  const score = async (query: string, passages: string[]): Promise<CrossEncoderScores> => {
    const encoded = passages.map((p) => encodePair(query, p));
    const logits = await logitsOf(encoded);
    return { scores: logits.map(sigmoid), logits, truncatedTokens: encoded.map((e) => e.truncated) };
  };

  const prepare = (request: RerankRequest): PreparedRerank => {
    const encoded = request.candidates.map((c) => encodePair(request.query, c.text));
    return {
      request,
      pairs: encoded.length,
      tokens: encoded.reduce((n, e) => n + e.ids.length, 0),
      truncatedTokens: encoded.reduce((n, e) => n + e.truncated, 0),
      data: encoded,
    };
  };

  const rerankMany = async (batch: PreparedRerank[]): Promise<RerankResponse[]> => {
    const started = performance.now();
    const encoded = batch.map((p) => p.data as Encoded[]);
    const logits = await logitsOf(encoded.flat());
    const computeMs = performance.now() - started;
    let at = 0;
    return batch.map(({ request }, b) => {
      const results = request.candidates
        .map((c, index) => ({
          id: c.id,
          index,
          score: sigmoid(logits[at + index]),
          rawScore: logits[at + index],
          truncatedTokens: encoded[b][index].truncated,
        }))
        .sort((x, y) => y.score - x.score || x.index - y.index);
      at += request.candidates.length;
      return {
        model: info,
        results: request.topN !== undefined ? results.slice(0, request.topN) : results,
        queueMs: 0,
        computeMs,
      };
    });
  };

  const warmUp = async () => {
    const counted = { ...truncation };
    const long = "retrieval ".repeat(m.maxLength);
    await logitsOf([encodePair("warm up", "a short passage"), encodePair("warm up", long)]);
    // Warm-up pairs are not the users' truncation.
    Object.assign(truncation, counted);
  };

  return {
    info,
    manifest: m,
    executionProvider,
    inputNames: session.inputNames,
    truncation,
    encodePair,
    score,
    prepare,
    rerankMany,
    rerank: async (request) => (await rerankMany([prepare(request)]))[0],
    warmUp,
    release: () => session.release(),
  };
}
