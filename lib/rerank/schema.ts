import { z } from "zod";

// The reranker worker's wire format (lib/models/types.ts), shared by the worker (requests) and the
// client (responses). Pure zod: safe for the worker, which imports nothing server-only.

export const MAX_RERANK_CANDIDATES = 1000;

const features = z.object({
  bm25Score: z.number().nullable(),
  vectorScore: z.number().nullable(),
  fusedRank: z.number().int().min(1),
});

/** The request schema with a given candidate limit (the worker's RERANK_MAX_CANDIDATES). */
export const rerankRequestSchemaWith = (maxCandidates: number) => z.object({
  query: z.string("`query` must be a string").trim().min(1, "`query` must not be empty"),
  candidates: z
    .array(
      z.object({
        id: z.string("each candidate needs a string `id`").min(1, "candidate `id` must not be empty"),
        text: z.string("each candidate needs a string `text`"),
        features: features.optional(),
      }),
      "`candidates` must be an array",
    )
    .min(1, "`candidates` must not be empty")
    .max(maxCandidates, `at most ${maxCandidates} candidates per request`),
  topN: z.number().int().min(1).optional(),
  model: z.string().min(1).optional(),
  termIdf: z.record(z.string(), z.number()).optional(),
});

export const rerankRequestSchema = rerankRequestSchemaWith(MAX_RERANK_CANDIDATES);

export const rerankResponseSchema = z.object({
  model: z.object({ id: z.string(), version: z.string() }),
  results: z.array(
    z.object({
      id: z.string(),
      index: z.number().int().min(0),
      score: z.number(),
      rawScore: z.number(),
      truncatedTokens: z.number().int().min(0),
    }),
  ),
  queueMs: z.number().min(0),
  computeMs: z.number().min(0),
});

/** "candidates.3.text: each candidate needs a string `text`" — one line per issue, for 400 messages. */
export function formatIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message))
    .join("; ");
}
