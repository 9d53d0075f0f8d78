import { readFile } from "node:fs/promises";
import path from "node:path";
import type { ModelInfo, RerankRequest, RerankResponse, RerankResult, Reranker } from "../types";
import { openSession, ort } from "../onnx/session";
import { buildRerankInputs, type RerankInputs } from "./rerank-inputs";
import { RERANKER_DIR, type ModelCard, type RerankerHead } from "./spec";
import { Vocabulary } from "./vocabulary";

export type LoadedReranker = Reranker & { executionProvider: string; warmUp(): Promise<void> };

/** Candidates per onnxruntime call: bounds the [batch, q, p, 11] kernel tensor. */
const MAX_BATCH = 64;

function feeds(x: RerankInputs): Record<string, ort.Tensor> {
  const q = [x.batch, x.queryLength];
  const p = [x.batch, x.passageLength];
  return {
    query_ids: new ort.Tensor("int32", x.queryIds, q),
    query_hash: new ort.Tensor("int32", x.queryHash, q),
    query_mask: new ort.Tensor("float32", x.queryMask, q),
    query_idf: new ort.Tensor("float32", x.queryIdf, q),
    passage_ids: new ort.Tensor("int32", x.passageIds, p),
    passage_hash: new ort.Tensor("int32", x.passageHash, p),
    passage_mask: new ort.Tensor("float32", x.passageMask, p),
    first_stage: new ort.Tensor("float32", x.firstStage, [x.batch, x.firstStage.length / x.batch]),
  };
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export interface StarterRerankerOptions {
  executionProviders?: string[];
  threads?: number;
}

export async function loadStarterReranker(modelsDir: string, opts: StarterRerankerOptions = {}): Promise<LoadedReranker & {
  /** Raw model outputs for a request: the logits and the feature matrix (training reads the latter). */
  score(request: RerankRequest): Promise<{ logits: Float32Array; features: Float32Array; truncatedTokens: number[] }>;
}> {
  const dir = path.join(modelsDir, RERANKER_DIR);
  const card = JSON.parse(await readFile(path.join(dir, "model.json"), "utf8")) as ModelCard;
  const head = JSON.parse(await readFile(path.join(dir, "head.json"), "utf8").catch(() => "null")) as RerankerHead | null;
  const defaultIdf = head?.defaultIdf ?? 5;
  const vocab = await Vocabulary.load(dir);
  const { session, executionProvider } = await openSession(
    path.join(dir, "model.onnx"),
    opts.executionProviders ?? ["cpu"],
    opts.threads,
  );
  const info: ModelInfo = { id: card.id, version: card.version };

  async function score(request: RerankRequest) {
    const logits = new Float32Array(request.candidates.length);
    const featureChunks: Float32Array[] = [];
    const truncatedTokens: number[] = [];
    for (let start = 0; start < request.candidates.length; start += MAX_BATCH) {
      const candidates = request.candidates.slice(start, start + MAX_BATCH);
      const inputs = buildRerankInputs({ vocab, query: request.query, candidates, termIdf: request.termIdf, defaultIdf });
      const out = await session.run(feeds(inputs));
      logits.set(out.logit.data as Float32Array, start);
      featureChunks.push(out.features.data as Float32Array);
      truncatedTokens.push(...inputs.truncatedTokens);
    }
    const features = new Float32Array(featureChunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of featureChunks) {
      features.set(c, at);
      at += c.length;
    }
    return { logits, features, truncatedTokens };
  }

  async function rerank(request: RerankRequest): Promise<RerankResponse> {
    const started = performance.now();
    const { logits, truncatedTokens } = await score(request);
    const results: RerankResult[] = request.candidates.map((c, index) => ({
      id: c.id,
      index,
      rawScore: logits[index],
      score: sigmoid(logits[index]),
      truncatedTokens: truncatedTokens[index],
    }));
    results.sort((a, b) => b.rawScore - a.rawScore || a.index - b.index);
    return {
      model: info,
      results: request.topN ? results.slice(0, request.topN) : results,
      queueMs: 0,
      computeMs: performance.now() - started,
    };
  }

  return {
    info,
    executionProvider,
    score,
    rerank,
    async warmUp() {
      const text = "Warm-up passage about retrieval and reranking with a few ordinary words.";
      await rerank({
        query: "warm up reranking",
        candidates: Array.from({ length: 45 }, (_, i) => ({ id: String(i), text: `${text} ${i}` })),
      });
    },
  };
}
