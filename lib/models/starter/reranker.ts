import { readFile } from "node:fs/promises";
import path from "node:path";
import type {
  BatchingReranker,
  ModelInfo,
  PreparedRerank,
  RerankRequest,
  RerankResponse,
  RerankResult,
} from "../types";
import { openSession, ort } from "../onnx/session";
import {
  cachedPassageEncoder,
  packRows,
  requestRows,
  tokeniseRequest,
  type PairRow,
  type RerankInputs,
  type TokenisedRequest,
} from "./rerank-inputs";
import { RERANKER_DIR, RERANKER_GRAPH_FORMAT, type ModelCard, type RerankerHead } from "./spec";
import { Vocabulary } from "./vocabulary";

export type LoadedReranker = BatchingReranker & {
  executionProvider: string;
  /** The head version the model was built from (head-versions.ts). */
  headVersion: string;
  warmUp(): Promise<void>;
  /** Raw model outputs for a request: logits and the feature matrix (training reads the latter). */
  score(request: RerankRequest): Promise<{ logits: Float32Array; features: Float32Array; truncatedTokens: number[] }>;
};

/**
 * Bound on each session call's largest tensor, the pairs' gathered kernel rows [pairs, d, q·11]:
 * pairs × distinct words per pair × query words (padded) at most this (4 Mi cells, 176 MiB at worst;
 * 45 candidates of 400 words with 8 query words take about 45 · 200 · 8 = 72 Ki).
 */
const MAX_SESSION_CELLS = 4 * 1024 * 1024;

/** Consecutive runs of rows, each within `maxCells` (a row alone always goes, at most 511 × 32). */
function sessionChunks(rows: PairRow[], maxCells: number): PairRow[][] {
  const chunks: PairRow[][] = [];
  let start = 0;
  let q = 1;
  let d = 1;
  rows.forEach((r, i) => {
    const nq = Math.max(q, r.query.length);
    const nd = Math.max(d, r.passage.words.ids.length);
    if (i > start && (i - start + 1) * nq * nd > maxCells) {
      chunks.push(rows.slice(start, i));
      start = i;
      q = Math.max(1, r.query.length);
      d = Math.max(1, r.passage.words.ids.length);
    } else {
      q = nq;
      d = nd;
    }
  });
  if (start < rows.length) chunks.push(rows.slice(start));
  return chunks;
}

export function rerankFeeds(x: RerankInputs): Record<string, ort.Tensor> {
  const q = [x.groups, x.queryLength];
  const w = [x.groups, x.groupWords];
  const p = [x.pairs, x.pairWords];
  return {
    query_ids: new ort.Tensor("int32", x.queryIds, q),
    query_hash: new ort.Tensor("int32", x.queryHash, q),
    query_mask: new ort.Tensor("float32", x.queryMask, q),
    query_idf: new ort.Tensor("float32", x.queryIdf, q),
    word_ids: new ort.Tensor("int32", x.wordIds, w),
    word_hash: new ort.Tensor("int32", x.wordHash, w),
    pair_group: new ort.Tensor("int32", x.pairGroup, [x.pairs]),
    pair_words: new ort.Tensor("int32", x.pairWordIndex, p),
    pair_counts: new ort.Tensor("float32", x.pairCounts, p),
    segment_words: new ort.Tensor("int32", x.segmentWords, [x.pairs, x.segments, x.segmentLength]),
    first_stage: new ort.Tensor("float32", x.firstStage, [x.pairs, x.firstStage.length / x.pairs]),
  };
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * A prepared request keeps what scoring reads after tokenisation (ids, first-stage features, query, IDFs),
 * not its passage texts: while it waits for a batch, ~110 KB of texts per request would otherwise survive
 * young-generation collections and be copied and promoted (in the worker at concurrency 16 the garbage
 * collector's time halved without them). rerankMany reads tokens from `data`, never these texts.
 */
function withoutTexts(request: RerankRequest): RerankRequest {
  return { ...request, candidates: request.candidates.map(({ id, features }) => ({ id, text: "", features })) };
}

export interface StarterRerankerOptions {
  executionProviders?: string[];
  threads?: number;
  /** Bound on one session call (MAX_SESSION_CELLS; tests set it small to cross calls). */
  maxSessionCells?: number;
}

/**
 * The starter KNRM reranker. Requests are prepared (tokenised, truncated) apart from the model call,
 * so the worker can merge the pairs of several requests into one call (rerankMany); rerank() and
 * training's score() run the very same rows.
 */
export async function loadStarterReranker(
  modelsDir: string,
  opts: StarterRerankerOptions = {},
): Promise<LoadedReranker> {
  const dir = path.join(modelsDir, RERANKER_DIR);
  const card = JSON.parse(await readFile(path.join(dir, "model.json"), "utf8")) as ModelCard;
  if (card.graphFormat !== RERANKER_GRAPH_FORMAT) {
    throw new Error(
      `${dir}: reranker graph format ${card.graphFormat ?? 1}, this version reads ${RERANKER_GRAPH_FORMAT}: run npm run models:build`,
    );
  }
  // The card carries the head it was built from; models built before head versions read head.json.
  const head =
    card.defaultIdf === undefined
      ? (JSON.parse(await readFile(path.join(dir, "head.json"), "utf8").catch(() => "null")) as RerankerHead | null)
      : null;
  const defaultIdf = card.defaultIdf ?? head?.defaultIdf ?? 5;
  const vocab = await Vocabulary.load(dir);
  const { session, executionProvider } = await openSession(
    path.join(dir, "model.onnx"),
    opts.executionProviders ?? ["cpu"],
    opts.threads,
  );
  const info: ModelInfo = { id: card.id, version: card.version };
  const passages = cachedPassageEncoder(vocab);

  /** Logits, and the feature matrix only when asked (serving fetches the logit alone). */
  async function run(rows: PairRow[], withFeatures = false): Promise<{ logits: Float32Array; features: Float32Array }> {
    const logits = new Float32Array(rows.length);
    const parts: Float32Array[] = [];
    const fetches = withFeatures ? ["logit", "features"] : ["logit"];
    let start = 0;
    for (const chunk of sessionChunks(rows, opts.maxSessionCells ?? MAX_SESSION_CELLS)) {
      const out = await session.run(rerankFeeds(packRows(chunk, vocab, defaultIdf)), fetches);
      logits.set(out.logit.data as Float32Array, start);
      start += chunk.length;
      if (withFeatures) parts.push(out.features.data as Float32Array);
    }
    const features = new Float32Array(parts.reduce((n, c) => n + c.length, 0));
    parts.reduce((at, c) => (features.set(c, at), at + c.length), 0);
    return { logits, features };
  }

  function prepare(request: RerankRequest): PreparedRerank {
    const t = tokeniseRequest(request, passages.encode);
    // The batch budget counts what the graph reads per pair: query words and distinct passage words.
    const tokens = t.passages.reduce((n, p) => n + t.query.length + p.words.ids.length, 0);
    return {
      request: withoutTexts(request),
      pairs: request.candidates.length,
      tokens,
      truncatedTokens: t.truncated.reduce((a, b) => a + b, 0),
      data: t,
    };
  }

  async function rerankMany(batch: PreparedRerank[]): Promise<RerankResponse[]> {
    const started = performance.now();
    const rows = batch.flatMap((p) => requestRows(p.request, p.data as TokenisedRequest));
    const { logits } = await run(rows);
    const computeMs = performance.now() - started;
    let at = 0;
    return batch.map((p) => {
      const t = p.data as TokenisedRequest;
      const results: RerankResult[] = p.request.candidates.map((c, index) => ({
        id: c.id,
        index,
        rawScore: logits[at + index],
        score: sigmoid(logits[at + index]),
        truncatedTokens: t.truncated[index],
      }));
      at += p.pairs;
      results.sort((a, b) => b.rawScore - a.rawScore || a.index - b.index);
      const topN = p.request.topN;
      return { model: info, results: topN ? results.slice(0, topN) : results, queueMs: 0, computeMs };
    });
  }

  return {
    info,
    executionProvider,
    headVersion: card.headVersion ?? "builtin",
    prepare,
    rerankMany,
    rerank: async (request) => (await rerankMany([prepare(request)]))[0],
    async score(request) {
      const t = tokeniseRequest(request, passages.encode);
      return { ...(await run(requestRows(request, t), true)), truncatedTokens: t.truncated };
    },
    async warmUp() {
      const text = "Warm-up passage about retrieval and reranking with a few ordinary words.";
      const candidates = Array.from({ length: 45 }, (_, i) => ({ id: String(i), text: `${text} ${i}` }));
      await rerankMany([
        prepare({ query: "warm up reranking", candidates }),
        prepare({ query: "second query", candidates }),
      ]);
    },
  };
}
