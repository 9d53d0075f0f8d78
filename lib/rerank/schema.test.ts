import { describe, expect, it } from "vitest";
import {
  checkRerankResponse,
  formatIssues,
  rerankRequestCheckWith,
  rerankRequestSchemaWith,
  rerankResponseSchema,
} from "./schema";

// The hand-written fast paths must give zod's answer exactly: the same data for valid input, the same
// 400 message for invalid input. Each case is checked against zod's own safeParse.

const zodAnswer = (parsed: { success: boolean; data?: unknown; error?: Parameters<typeof formatIssues>[0] }) =>
  parsed.success ? { ok: true, data: parsed.data } : { ok: false, error: formatIssues(parsed.error!) };

const candidate = (i: number) => ({
  id: String(i),
  text: `passage ${i} — ünïcode, 日本語のテキスト, "quotes"\n`,
  features: { bm25Score: 10 - i, vectorScore: i % 2 ? null : 0.5, fusedRank: i + 1 },
});
const valid = { query: "  what is bm25  ", candidates: [candidate(0), candidate(1), candidate(2)] };

/** Valid requests, and one mutation per rule the schema has (each invalid, or valid in another way). */
const requests: [string, unknown][] = [
  ["valid", valid],
  ["no features", { query: "q", candidates: [{ id: "a", text: "" }] }],
  ["topN, model, termIdf", { ...valid, topN: 2, model: "starter-knrm", termIdf: { what: 1.5, bm25: 7 } }],
  [
    "unknown keys are stripped",
    { ...valid, extra: 1, candidates: [{ ...candidate(0), x: 2, features: { ...candidate(0).features, y: 3 } }] },
  ],
  [
    "both scores null",
    {
      query: "q",
      candidates: [{ id: "a", text: "t", features: { bm25Score: null, vectorScore: null, fusedRank: 1 } }],
    },
  ],
  [
    "termIdf with __proto__",
    JSON.parse('{"query":"q","candidates":[{"id":"a","text":"t"}],"termIdf":{"__proto__":1,"a":2}}'),
  ],
  ["not an object", [valid]],
  ["null", null],
  ["query missing", { candidates: valid.candidates }],
  ["query not a string", { ...valid, query: 5 }],
  ["query blank", { ...valid, query: " \n\t " }],
  ["candidates missing", { query: "q" }],
  ["candidates not an array", { query: "q", candidates: { 0: candidate(0) } }],
  ["candidates empty", { query: "q", candidates: [] }],
  ["too many candidates", { query: "q", candidates: Array.from({ length: 6 }, (_, i) => candidate(i)) }],
  ["candidate null", { query: "q", candidates: [candidate(0), null] }],
  ["id missing", { query: "q", candidates: [{ text: "t" }] }],
  ["id empty", { query: "q", candidates: [{ id: "", text: "t" }] }],
  ["id a number", { query: "q", candidates: [{ id: 1, text: "t" }] }],
  ["text missing", { query: "q", candidates: [{ id: "a" }] }],
  ["text null", { query: "q", candidates: [{ id: "a", text: null }] }],
  ["features null", { query: "q", candidates: [{ id: "a", text: "t", features: null }] }],
  ["features an array", { query: "q", candidates: [{ id: "a", text: "t", features: [] }] }],
  [
    "bm25Score a string",
    { query: "q", candidates: [{ ...candidate(0), features: { ...candidate(0).features, bm25Score: "1" } }] },
  ],
  [
    "vectorScore missing",
    { query: "q", candidates: [{ id: "a", text: "t", features: { bm25Score: 1, fusedRank: 1 } }] },
  ],
  [
    "fusedRank 0",
    { query: "q", candidates: [{ ...candidate(0), features: { ...candidate(0).features, fusedRank: 0 } }] },
  ],
  [
    "fusedRank fractional",
    { query: "q", candidates: [{ ...candidate(0), features: { ...candidate(0).features, fusedRank: 1.5 } }] },
  ],
  ["topN 0", { ...valid, topN: 0 }],
  ["topN fractional", { ...valid, topN: 2.5 }],
  ["topN a string", { ...valid, topN: "2" }],
  ["model empty", { ...valid, model: "" }],
  ["model a number", { ...valid, model: 7 }],
  ["termIdf an array", { ...valid, termIdf: [1] }],
  ["termIdf value a string", { ...valid, termIdf: { a: "1" } }],
  ["termIdf value null", { ...valid, termIdf: { a: null } }],
];

describe("rerankRequestCheckWith (the worker's request check)", () => {
  const check = rerankRequestCheckWith(5);
  const schema = rerankRequestSchemaWith(5);
  it.each(requests)("%s: answers as zod does", (_name, input) => {
    expect(check(input)).toEqual(zodAnswer(schema.safeParse(input)));
  });

  it("takes its fast path for valid requests: a trimmed query and fresh candidate objects", () => {
    const out = check(valid);
    expect(out).toMatchObject({ ok: true, data: { query: "what is bm25" } });
    if (out.ok) expect(out.data.candidates[0]).not.toBe(valid.candidates[0]);
  });
});

const response = {
  model: { id: "starter-knrm", version: "3" },
  results: [
    { id: "1", index: 0, score: 0.9, rawScore: 2.2, truncatedTokens: 0 },
    { id: "2", index: 1, score: 0.1, rawScore: -2.2, truncatedTokens: 12 },
  ],
  queueMs: 0.5,
  computeMs: 3,
};
const r0 = response.results[0];

const responses: [string, unknown][] = [
  ["valid", response],
  ["no results", { ...response, results: [] }],
  [
    "extra keys are stripped",
    { ...response, headVersion: "x", model: { ...response.model, more: 1 }, results: [{ ...r0, x: 1 }] },
  ],
  ["not an object", "ok"],
  ["model missing", { ...response, model: undefined }],
  ["model version a number", { ...response, model: { id: "m", version: 3 } }],
  ["results not an array", { ...response, results: {} }],
  ["result null", { ...response, results: [null] }],
  ["index negative", { ...response, results: [{ ...r0, index: -1 }] }],
  ["index fractional", { ...response, results: [{ ...r0, index: 0.5 }] }],
  ["score a string", { ...response, results: [{ ...r0, score: "0.9" }] }],
  ["rawScore missing", { ...response, results: [{ id: "1", index: 0, score: 0.9, truncatedTokens: 0 }] }],
  ["truncatedTokens negative", { ...response, results: [{ ...r0, truncatedTokens: -1 }] }],
  ["queueMs negative", { ...response, queueMs: -1 }],
  ["computeMs missing", { ...response, computeMs: undefined }],
];

describe("checkRerankResponse (the client's response check)", () => {
  it.each(responses)("%s: answers as zod does", (_name, input) => {
    expect(checkRerankResponse(input)).toEqual(zodAnswer(rerankResponseSchema.safeParse(input)));
  });
});
