import { z } from "zod";
import type { RerankRequest, RerankResponse } from "@/lib/models/types";

// Other rerank APIs the worker answers, mapped onto its own request and response:
// - NVIDIA NIM text reranking, POST /v1/ranking:
//   { model, query: { text }, passages: [{ text }], truncate?: "NONE" | "END" } → { rankings: [{ index, logit }] }
//   (all passages, by logit descending). truncate "NONE" refuses passages that would be cut.
// - Cohere rerank v2, POST /v2/rerank:
//   { model, query, documents: (string | { text })[], top_n? } →
//   { id, results: [{ index, relevance_score }], meta: { api_version: { version: "2" }, billed_units: { search_units: 1 } } }

export const nimRankingSchema = (maxCandidates: number) =>
  z.object({
    model: z.string().min(1).optional(),
    query: z.object({ text: z.string("`query.text` must be a string").trim().min(1, "`query.text` must not be empty") }),
    passages: z
      .array(z.object({ text: z.string("each passage needs a string `text`") }), "`passages` must be an array")
      .min(1, "`passages` must not be empty")
      .max(maxCandidates, `at most ${maxCandidates} passages per request`),
    truncate: z.enum(["NONE", "END"]).optional(),
  });

export const cohereRerankSchema = (maxCandidates: number) =>
  z.object({
    model: z.string().min(1).optional(),
    query: z.string("`query` must be a string").trim().min(1, "`query` must not be empty"),
    documents: z
      .array(
        z.union([z.string(), z.object({ text: z.string() })], "each document must be a string or { text }"),
        "`documents` must be an array",
      )
      .min(1, "`documents` must not be empty")
      .max(maxCandidates, `at most ${maxCandidates} documents per request`),
    top_n: z.number().int().min(1).optional(),
    max_tokens_per_doc: z.number().int().min(1).optional(),
    return_documents: z.boolean().optional(),
  });

export function fromNim(body: z.infer<ReturnType<typeof nimRankingSchema>>): RerankRequest {
  return {
    query: body.query.text,
    candidates: body.passages.map((p, i) => ({ id: String(i), text: p.text })),
    ...(body.model ? { model: body.model } : {}),
  };
}

export function toNim(response: RerankResponse) {
  return { rankings: response.results.map((r) => ({ index: r.index, logit: r.rawScore })) };
}

export function fromCohere(body: z.infer<ReturnType<typeof cohereRerankSchema>>): RerankRequest {
  return {
    query: body.query,
    candidates: body.documents.map((d, i) => ({ id: String(i), text: typeof d === "string" ? d : d.text })),
    ...(body.top_n ? { topN: body.top_n } : {}),
    ...(body.model ? { model: body.model } : {}),
  };
}

export function toCohere(response: RerankResponse, request: RerankRequest, returnDocuments: boolean) {
  return {
    id: crypto.randomUUID(),
    results: response.results.map((r) => ({
      index: r.index,
      relevance_score: r.score,
      ...(returnDocuments ? { document: { text: request.candidates[r.index].text } } : {}),
    })),
    meta: { api_version: { version: "2" }, billed_units: { search_units: 1 } },
  };
}
