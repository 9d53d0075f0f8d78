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

export type Checked<T> = { ok: true; data: T } | { ok: false; error: string };

/**
 * `schema.safeParse` with a hand-written fast path for input that is valid: zod walks every candidate
 * through several layers per field, which for 45 passages costs as much as the model's call. `fast`
 * returns zod's output for the input or null when unsure; then (and for every invalid input) zod decides,
 * so results and error messages are zod's exactly (schema.test.ts compares both on varied input).
 */
function checkedWith<S extends z.ZodType>(schema: S, fast: (input: unknown) => z.output<S> | null) {
  return (input: unknown): Checked<z.output<S>> => {
    const quick = fast(input);
    if (quick) return { ok: true, data: quick };
    const parsed = schema.safeParse(input);
    return parsed.success ? { ok: true, data: parsed.data } : { ok: false, error: formatIssues(parsed.error) };
  };
}

const isRecord = (x: unknown): x is Record<string, unknown> =>
  typeof x === "object" && x !== null && !Array.isArray(x) && Object.getPrototypeOf(x) === Object.prototype;
const isNumber = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x);
const isInt = (x: unknown, min: number): x is number => Number.isSafeInteger(x) && (x as number) >= min;
const isNullableNumber = (x: unknown) => x === null || isNumber(x);

/** The request check for a candidate limit: rerankRequestSchemaWith(max).safeParse, fast when valid. */
export function rerankRequestCheckWith(maxCandidates: number) {
  return checkedWith(rerankRequestSchemaWith(maxCandidates), (input) => {
    if (!isRecord(input)) return null;
    const { query, candidates, topN, model, termIdf } = input;
    if (typeof query !== "string" || !Array.isArray(candidates)) return null;
    const trimmed = query.trim();
    if (trimmed.length === 0 || candidates.length === 0 || candidates.length > maxCandidates) return null;
    if (topN !== undefined && !isInt(topN, 1)) return null;
    if (model !== undefined && (typeof model !== "string" || model.length === 0)) return null;
    let idf: Record<string, number> | undefined;
    if (termIdf !== undefined) {
      if (!isRecord(termIdf) || Object.hasOwn(termIdf, "__proto__")) return null;
      idf = {};
      for (const k of Object.keys(termIdf)) {
        const v = termIdf[k];
        if (!isNumber(v)) return null;
        idf[k] = v;
      }
    }
    const out: RerankRequestInput["candidates"] = new Array(candidates.length);
    for (let i = 0; i < candidates.length; i++) {
      const c: unknown = candidates[i];
      if (!isRecord(c)) return null;
      const { id, text, features: f } = c;
      if (typeof id !== "string" || id.length === 0 || typeof text !== "string") return null;
      if (f === undefined) {
        out[i] = { id, text };
        continue;
      }
      if (!isRecord(f) || !isNullableNumber(f.bm25Score) || !isNullableNumber(f.vectorScore) || !isInt(f.fusedRank, 1))
        return null;
      out[i] = {
        id,
        text,
        features: { bm25Score: f.bm25Score as number | null, vectorScore: f.vectorScore as number | null, fusedRank: f.fusedRank },
      };
    }
    return {
      query: trimmed,
      candidates: out,
      ...(topN !== undefined ? { topN } : {}),
      ...(model !== undefined ? { model } : {}),
      ...(idf !== undefined ? { termIdf: idf } : {}),
    };
  });
}

type RerankRequestInput = z.output<typeof rerankRequestSchema>;

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

export type CheckedRerankResponse = z.output<typeof rerankResponseSchema>;

/** rerankResponseSchema.safeParse (the client reads every worker answer), fast when valid. */
export const checkRerankResponse = checkedWith(rerankResponseSchema, (input): CheckedRerankResponse | null => {
  if (!isRecord(input)) return null;
  const { model, results, queueMs, computeMs } = input;
  if (!isRecord(model) || typeof model.id !== "string" || typeof model.version !== "string") return null;
  if (!Array.isArray(results) || !isNumber(queueMs) || queueMs < 0 || !isNumber(computeMs) || computeMs < 0)
    return null;
  const out: CheckedRerankResponse["results"] = new Array(results.length);
  for (let i = 0; i < results.length; i++) {
    const r: unknown = results[i];
    if (!isRecord(r)) return null;
    const { id, index, score, rawScore, truncatedTokens } = r;
    if (typeof id !== "string" || !isInt(index, 0) || !isNumber(score) || !isNumber(rawScore)) return null;
    if (!isInt(truncatedTokens, 0)) return null;
    out[i] = { id, index, score, rawScore, truncatedTokens };
  }
  return { model: { id: model.id, version: model.version }, results: out, queueMs, computeMs };
});

/** "candidates.3.text: each candidate needs a string `text`" — one line per issue, for 400 messages. */
export function formatIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message))
    .join("; ");
}
