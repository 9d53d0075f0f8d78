import { z } from "zod";
import type { ModelInfo, RerankRequest } from "@/lib/models/types";
import { formatIssues, rerankResponseSchema } from "./schema";

// The rerank wire formats the client speaks (env RERANKER_PROTOCOL). Each turns our RerankRequest
// into one or more HTTP calls and each call's JSON back into scored candidate positions:
// - ranklens: our worker, POST /rerank with the RerankRequest itself → RerankResponse.
// - nim: NVIDIA NIM text reranking, POST /v1/ranking
//     { model, query: { text }, passages: [{ text }], truncate: "END" } → { rankings: [{ index, logit }] }
//   (no top_n: NIM rejects extra fields). score = sigmoid(logit), rawScore = logit.
// - tei: text-embeddings-inference, POST /rerank { query, texts, truncate: true, raw_scores: false } →
//   [{ index, score }], at most `teiBatchSize` (TEI's --max-client-batch-size, default 32) texts per call,
//   so larger sets are split. score = rawScore = TEI's score (already a sigmoid).
// - cohere: Cohere v2, POST /v2/rerank { model, query, documents: [string], top_n? } →
//   { id, results: [{ index, relevance_score }], meta }. score = rawScore = relevance_score.
// Our worker answers /v1/ranking and /v2/rerank too (worker/compat.ts), so nim and cohere work against it.

export const RERANK_PROTOCOLS = ["ranklens", "nim", "tei", "cohere"] as const;
export type RerankProtocol = (typeof RERANK_PROTOCOLS)[number];

export const TEI_BATCH_SIZE = 32;

/** The model identity a remote backend's results are cached under (it reports none itself). */
export function remoteModelInfo(protocol: Exclude<RerankProtocol, "ranklens">, model?: string): ModelInfo {
  return { id: `${protocol}:${model ?? "default"}`, version: "remote" };
}

export interface WireCall {
  path: string;
  body: unknown;
  /** The call covers request.candidates[offset, offset + count). */
  offset: number;
  count: number;
}

/** One candidate's score from a call, `index` already relative to the whole request. */
export interface Scored {
  index: number;
  score: number;
  rawScore: number;
}

export type Decoded = { ok: true; scored: Scored[] } | { ok: false; error: string };

export function wireCalls(
  protocol: RerankProtocol,
  request: RerankRequest,
  { model, teiBatchSize = TEI_BATCH_SIZE }: { model?: string; teiBatchSize?: number } = {},
): WireCall[] {
  const texts = request.candidates.map((c) => c.text);
  const all = (path: string, body: unknown): WireCall[] => [{ path, body, offset: 0, count: texts.length }];
  switch (protocol) {
    case "ranklens":
      return all("/rerank", request);
    case "nim":
      return all("/v1/ranking", {
        ...(model ? { model } : {}),
        query: { text: request.query },
        passages: texts.map((text) => ({ text })),
        truncate: "END",
      });
    case "cohere":
      return all("/v2/rerank", {
        ...(model ? { model } : {}),
        query: request.query,
        documents: texts,
        ...(request.topN ? { top_n: request.topN } : {}),
      });
    case "tei": {
      const calls: WireCall[] = [];
      for (let offset = 0; offset < texts.length; offset += teiBatchSize) {
        const slice = texts.slice(offset, offset + teiBatchSize);
        calls.push({
          path: "/rerank",
          body: { query: request.query, texts: slice, truncate: true, raw_scores: false },
          offset,
          count: slice.length,
        });
      }
      return calls;
    }
  }
}

const index = z.number().int().min(0);
const nimResponse = z.object({ rankings: z.array(z.object({ index, logit: z.number() })) });
const teiResponse = z.array(z.object({ index, score: z.number() }));
const cohereResponse = z.object({ results: z.array(z.object({ index, relevance_score: z.number() })) });

/** Logistic function, stable for large |x|. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** A remote call's JSON → scores of its candidates (positions in the whole request), checked. */
export function decodeCall(protocol: Exclude<RerankProtocol, "ranklens">, json: unknown, call: WireCall): Decoded {
  let scored: Scored[];
  if (protocol === "nim") {
    const parsed = nimResponse.safeParse(json);
    if (!parsed.success) return { ok: false, error: formatIssues(parsed.error) };
    scored = parsed.data.rankings.map((r) => ({ index: r.index, score: sigmoid(r.logit), rawScore: r.logit }));
  } else if (protocol === "tei") {
    const parsed = teiResponse.safeParse(json);
    if (!parsed.success) return { ok: false, error: formatIssues(parsed.error) };
    scored = parsed.data.map((r) => ({ index: r.index, score: r.score, rawScore: r.score }));
  } else {
    const parsed = cohereResponse.safeParse(json);
    if (!parsed.success) return { ok: false, error: formatIssues(parsed.error) };
    scored = parsed.data.results.map((r) => ({
      index: r.index,
      score: r.relevance_score,
      rawScore: r.relevance_score,
    }));
  }
  const seen = new Set<number>();
  for (const s of scored) {
    if (s.index >= call.count) return { ok: false, error: `result index ${s.index} is out of range` };
    if (seen.has(s.index)) return { ok: false, error: `result index ${s.index} appears twice` };
    seen.add(s.index);
  }
  return { ok: true, scored: scored.map((s) => ({ ...s, index: s.index + call.offset })) };
}

/** Our worker's response, checked (the ranklens protocol). */
export const ranklensResponseSchema = rerankResponseSchema;
