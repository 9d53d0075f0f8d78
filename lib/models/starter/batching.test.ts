import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadStarterReranker } from "./reranker";
import { FEATURE_NAMES } from "./spec";

// Runs the built model (npm run models:build; the test command builds it first).
const modelsDir = path.resolve("models");

describe("the starter reranker merging requests (the worker's dynamic batches)", () => {
  // Merged rows cross session calls (bounded small here); first-stage features stay relative to each request.
  it("scores merged requests exactly as the starter reranker scores each alone", async () => {
    const batching = await loadStarterReranker(modelsDir, { maxSessionCells: 2000 });
    const requests = [
      {
        query: "how do vaccines train the immune system",
        candidates: [
          { id: "a", text: "Vaccines expose the immune system to antigens so B cells make antibodies." },
          { id: "b", text: "Boil pasta in salted water.", features: { bm25Score: 3, vectorScore: 0.2, fusedRank: 2 } },
        ],
        termIdf: { vaccines: 4.2 },
      },
      {
        query: "train timetable",
        candidates: Array.from({ length: 90 }, (_, i) => ({
          id: String(i),
          text: `The train to the coast leaves every ${i} minutes from platform ${i % 7}. `.repeat((i % 9) + 1),
        })),
        topN: 10,
      },
      { query: "x", candidates: [{ id: "only", text: "" }] },
      {
        query: "coast platform leaves",
        candidates: Array.from({ length: 30 }, (_, i) => ({
          id: String(i),
          text: `Platform ${i}: the coast train leaves. `.repeat((i % 4) + 1),
          features: { bm25Score: 30 - i, vectorScore: i / 30, fusedRank: i + 1 },
        })),
      },
    ];
    const merged = await batching.rerankMany(requests.map((r) => batching.prepare(r)));
    for (let i = 0; i < requests.length; i++) {
      const alone = await batching.rerank(requests[i]);
      expect(merged[i].results.map((r) => r.id)).toEqual(alone.results.map((r) => r.id));
      merged[i].results.forEach((r, j) => {
        expect(r.rawScore).toBeCloseTo(alone.results[j].rawScore, 4);
        expect(r.truncatedTokens).toBe(alone.results[j].truncatedTokens);
      });
    }
  });

  it("keeps no passage texts in a prepared request (they would outlive their use while it waits for a batch)", async () => {
    const reranker = await loadStarterReranker(modelsDir);
    const request = {
      query: "antibodies",
      candidates: [
        { id: "a", text: "immune cells make antibodies", features: { bm25Score: 2, vectorScore: 0.4, fusedRank: 1 } },
        { id: "b", text: "pasta and tomato sauce" },
      ],
      termIdf: { antibodies: 6 },
      topN: 1,
    };
    const prep = reranker.prepare(request);
    expect(prep.request).toEqual({
      ...request,
      candidates: request.candidates.map((c) => ({ id: c.id, text: "", features: c.features })),
    });
    const [fromPrepared] = await reranker.rerankMany([prep]);
    const { logits } = await reranker.score(request);
    expect(fromPrepared.results).toEqual([expect.objectContaining({ id: "a", rawScore: logits[0] })]);
  });

  it("truncates a 5 MB passage to 512 tokens and reports the rest", async () => {
    const batching = await loadStarterReranker(modelsDir);
    const text = "immune cells make antibodies ".repeat(180_000); // 5.2 MB
    const prep = batching.prepare({ query: "antibodies", candidates: [{ id: "big", text }] });
    expect(prep.tokens).toBe(1 + 4); // the query word and the passage's 4 distinct words
    const [response] = await batching.rerankMany([prep]);
    expect(response.results[0].truncatedTokens).toBe(4 * 180_000 - 511);
  });
});

describe("first-stage features over more than one session call", () => {
  it("are relative to the whole request, not to each call's pairs", async () => {
    // 100 pairs of 2 distinct words and 1 query word: calls of at most 64 pairs.
    const reranker = await loadStarterReranker(modelsDir, { maxSessionCells: 128 });
    const candidates = Array.from({ length: 100 }, (_, i) => ({
      id: String(i),
      text: `passage ${i}`,
      features: { bm25Score: 100 - i, vectorScore: null, fusedRank: i + 1 },
    }));
    const { features } = await reranker.score({ query: "passage", candidates });
    const f = features.length / 100;
    const bm25Rel = (i: number) => features[i * f + FEATURE_NAMES.indexOf("bm25_rel")];
    const fusedRank = (i: number) => features[i * f + FEATURE_NAMES.indexOf("fused_rank")];
    expect(bm25Rel(70)).toBeCloseTo(30 / 100, 5); // relative to the best of all 100, not of candidates 64–99
    expect(fusedRank(70)).toBeCloseTo(1 / (1 + Math.log(71)), 5);
  });
});
