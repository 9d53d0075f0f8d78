import { readFile } from "node:fs/promises";
import path from "node:path";
import type { ModelInfo, RerankRequest, RerankResponse, RerankResult } from "@/lib/models/types";
import { openSession, ort } from "@/lib/models/onnx/session";
import { firstStageFeatures } from "@/lib/models/starter/rerank-inputs";
import {
  FIRST_STAGE_FEATURES,
  MAX_QUERY_TOKENS,
  MAX_TOKENS,
  RERANKER_DIR,
  type ModelCard,
  type RerankerHead,
} from "@/lib/models/starter/spec";
import { Vocabulary } from "@/lib/models/starter/vocabulary";
import { tokenHash, wordTokens } from "@/lib/models/word-tokens";
import { firstWordTokens } from "./tokens";
import type { BatchingReranker, PreparedRerank } from "./types";

// The starter reranker (lib/models/starter) for the batching worker: the same ONNX graph, vocabulary
// and head, but one session call can hold (query, passage) pairs of several requests. The graph takes
// a query row per pair ([batch, q] tensors), so requests with different queries merge into one
// tensor batch: each request's rows are built as buildRerankInputs builds them (same tokens, same
// first-stage features relative to its own candidate set) and padded to the batch's longest query
// and passage (masked, so padding changes nothing).

/** Pairs per onnxruntime call: bounds the [batch, q, p, 11] kernel tensor, as in the starter model. */
const MAX_SESSION_BATCH = 64;
const FS = FIRST_STAGE_FEATURES.length;

interface Tokenised {
  query: string[];
  passages: string[][];
  truncated: number[];
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export async function loadBatchingReranker(
  modelsDir: string,
  opts: { executionProviders?: string[]; threads?: number } = {},
): Promise<BatchingReranker> {
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

  function prepare(request: RerankRequest): PreparedRerank {
    const query = wordTokens(request.query).slice(0, MAX_QUERY_TOKENS);
    const budget = MAX_TOKENS - Math.max(1, query.length);
    const passages: string[][] = [];
    const truncated: number[] = [];
    let tokens = 0;
    for (const c of request.candidates) {
      const { tokens: kept, total } = firstWordTokens(c.text, budget);
      passages.push(kept);
      truncated.push(total - kept.length);
      tokens += query.length + kept.length;
    }
    const data: Tokenised = { query, passages, truncated };
    return {
      request,
      pairs: request.candidates.length,
      tokens,
      truncatedTokens: truncated.reduce((a, b) => a + b, 0),
      data,
    };
  }

  async function rerankMany(batch: PreparedRerank[]): Promise<RerankResponse[]> {
    const started = performance.now();
    // One row per (request, candidate), in order.
    const rows: { r: number; q: string[]; p: string[]; idf: Record<string, number> | undefined; fs: number[] }[] = [];
    batch.forEach((prep, r) => {
      const t = prep.data as Tokenised;
      const fs = firstStageFeatures(
        prep.request.candidates,
        t.passages.map((p) => p.length),
      );
      t.passages.forEach((p, i) => rows.push({ r, q: t.query, p, idf: prep.request.termIdf, fs: fs[i] }));
    });
    const logits = new Float32Array(rows.length);
    for (let start = 0; start < rows.length; start += MAX_SESSION_BATCH) {
      const chunk = rows.slice(start, start + MAX_SESSION_BATCH);
      const out = await session.run(feeds(chunk));
      logits.set(out.logit.data as Float32Array, start);
    }
    const computeMs = performance.now() - started;
    const responses: RerankResponse[] = [];
    let at = 0;
    for (const prep of batch) {
      const t = prep.data as Tokenised;
      const results: RerankResult[] = prep.request.candidates.map((c, index) => {
        const raw = logits[at + index];
        return { id: c.id, index, rawScore: raw, score: sigmoid(raw), truncatedTokens: t.truncated[index] };
      });
      at += prep.pairs;
      results.sort((a, b) => b.rawScore - a.rawScore || a.index - b.index);
      const topN = prep.request.topN;
      responses.push({ model: info, results: topN ? results.slice(0, topN) : results, queueMs: 0, computeMs });
    }
    return responses;
  }

  function feeds(chunk: { q: string[]; p: string[]; idf: Record<string, number> | undefined; fs: number[] }[]) {
    const batch = chunk.length;
    const ql = Math.max(1, ...chunk.map((x) => x.q.length));
    const pl = Math.max(1, ...chunk.map((x) => x.p.length));
    const queryIds = new Int32Array(batch * ql);
    const queryHash = new Int32Array(batch * ql);
    const queryMask = new Float32Array(batch * ql);
    const queryIdf = new Float32Array(batch * ql);
    const passageIds = new Int32Array(batch * pl);
    // Padding hashes differ between query and passage so padding never "matches".
    const passageHash = new Int32Array(batch * pl).fill(1);
    const passageMask = new Float32Array(batch * pl);
    const firstStage = new Float32Array(batch * FS);
    chunk.forEach((row, b) => {
      row.q.forEach((w, i) => {
        const k = b * ql + i;
        queryIds[k] = vocab.id(w);
        queryHash[k] = tokenHash(w);
        queryMask[k] = 1;
        const idf = row.idf?.[w];
        queryIdf[k] = idf !== undefined && Number.isFinite(idf) ? Math.max(0, idf) : defaultIdf;
      });
      row.p.forEach((w, i) => {
        const k = b * pl + i;
        passageIds[k] = vocab.id(w);
        passageHash[k] = tokenHash(w);
        passageMask[k] = 1;
      });
      firstStage.set(row.fs, b * FS);
    });
    const q = [batch, ql];
    const p = [batch, pl];
    return {
      query_ids: new ort.Tensor("int32", queryIds, q),
      query_hash: new ort.Tensor("int32", queryHash, q),
      query_mask: new ort.Tensor("float32", queryMask, q),
      query_idf: new ort.Tensor("float32", queryIdf, q),
      passage_ids: new ort.Tensor("int32", passageIds, p),
      passage_hash: new ort.Tensor("int32", passageHash, p),
      passage_mask: new ort.Tensor("float32", passageMask, p),
      first_stage: new ort.Tensor("float32", firstStage, [batch, FS]),
    };
  }

  const rerank = async (request: RerankRequest) => (await rerankMany([prepare(request)]))[0];

  return {
    info,
    executionProvider,
    prepare,
    rerankMany,
    rerank,
    async warmUp() {
      const text = "Warm-up passage about retrieval and reranking with a few ordinary words.";
      const candidates = Array.from({ length: 45 }, (_, i) => ({ id: String(i), text: `${text} ${i}` }));
      await rerankMany([prepare({ query: "warm up reranking", candidates }), prepare({ query: "second query", candidates })]);
    },
  };
}
