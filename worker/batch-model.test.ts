import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadStarterReranker } from "@/lib/models/starter";
import { RERANKER_DIR } from "@/lib/models/starter/spec";
import { wordTokens } from "@/lib/models/word-tokens";
import { loadBatchingReranker } from "./batch-model";
import { firstWordTokens } from "./tokens";

const modelsDir = path.resolve(import.meta.dirname, "../models");
const hasModel = existsSync(path.join(modelsDir, RERANKER_DIR, "model.onnx"));

describe("firstWordTokens (lazy tokenisation)", () => {
  it("gives wordTokens' tokens for long mixed text, keeping only the first few", () => {
    const unit =
      "Ｆｕｌｌ-width ＡＢＣ and café naïve, 東京都に住んでいます。カタカナーと漢字。 ﬁne ㎏ e\u0301 numbers 3.14 x ";
    const text = unit.repeat(2000) + "z".repeat(40_000) + " tail words";
    const all = wordTokens(text);
    const { tokens, total } = firstWordTokens(text, 500);
    expect(total).toBe(all.length);
    expect(tokens).toEqual(all.slice(0, 500));
    expect(firstWordTokens(text, 10 ** 9).tokens).toEqual(all);
  });

  it("counts a 5 MB passage without keeping its tokens", () => {
    const text = "lorem ipsum dolor sit amet ".repeat(200_000); // 5.4 MB, 1 000 000 words
    const { tokens, total } = firstWordTokens(text, 480);
    expect(tokens).toHaveLength(480);
    expect(total).toBe(1_000_000);
  });
});

describe.skipIf(!hasModel)("loadBatchingReranker (starter model)", () => {
  // Requests of at most 64 candidates: the starter reranker computes first-stage features per chunk of
  // 64 (a candidate's default fused rank restarts at 1 after 64); the worker computes them over the
  // whole request. Merged rows here do cross the worker's own 64-pair session chunks.
  it("scores merged requests exactly as the starter reranker scores each alone", async () => {
    const [batching, starter] = await Promise.all([loadBatchingReranker(modelsDir), loadStarterReranker(modelsDir)]);
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
        candidates: Array.from({ length: 60 }, (_, i) => ({
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
      const alone = await starter.rerank(requests[i]);
      expect(merged[i].results.map((r) => r.id)).toEqual(alone.results.map((r) => r.id));
      merged[i].results.forEach((r, j) => {
        expect(r.rawScore).toBeCloseTo(alone.results[j].rawScore, 4);
        expect(r.truncatedTokens).toBe(alone.results[j].truncatedTokens);
      });
    }
  });

  it("truncates a 5 MB passage to 512 tokens and reports the rest", async () => {
    const batching = await loadBatchingReranker(modelsDir);
    const text = "immune cells make antibodies ".repeat(180_000); // 5.2 MB
    const prep = batching.prepare({ query: "antibodies", candidates: [{ id: "big", text }] });
    expect(prep.tokens).toBe(512);
    const [response] = await batching.rerankMany([prep]);
    expect(response.results[0].truncatedTokens).toBe(4 * 180_000 - 511);
  });
});
