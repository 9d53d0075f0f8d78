// A cross-encoder from a Hugging Face ONNX export (ms-marco MiniLM, bge-reranker): (query, passage)
// pairs encoded by the tokenizer's own pair template, token_type_ids only when the graph takes them,
// logits → sigmoid. Also a Reranker, so the worker can serve it like the starter model.
import type { RerankRequest, RerankResponse, Reranker } from "@/lib/models/types";
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

export interface HfCrossEncoder extends Reranker {
  readonly manifest: HfManifest;
  readonly executionProvider: string;
  readonly inputNames: readonly string[];
  readonly truncation: Readonly<TruncationStats>;
  encodePair(query: string, passage: string): Encoded;
  score(query: string, passages: string[]): Promise<CrossEncoderScores>;
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

  const score = async (query: string, passages: string[]): Promise<CrossEncoderScores> => {
    const encoded = passages.map((p) => encodePair(query, p));
    const logits = new Array<number>(passages.length);
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
    const truncatedTokens = encoded.map((e) => e.truncated);
    for (const t of truncatedTokens) {
      if (t > 0) {
        truncation.texts++;
        truncation.tokens += t;
      }
    }
    return { scores: logits.map(sigmoid), logits, truncatedTokens };
  };

  const rerank = async (request: RerankRequest): Promise<RerankResponse> => {
    const started = performance.now();
    const { scores, logits, truncatedTokens } = await score(
      request.query,
      request.candidates.map((c) => c.text),
    );
    const results = request.candidates
      .map((c, index) => ({
        id: c.id,
        index,
        score: scores[index],
        rawScore: logits[index],
        truncatedTokens: truncatedTokens[index],
      }))
      .sort((a, b) => b.score - a.score || a.index - b.index);
    return {
      model: info,
      results: request.topN !== undefined ? results.slice(0, request.topN) : results,
      queueMs: 0,
      computeMs: performance.now() - started,
    };
  };

  return {
    info,
    manifest: m,
    executionProvider,
    inputNames: session.inputNames,
    truncation,
    encodePair,
    score,
    rerank,
    release: () => session.release(),
  };
}
