import { readFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Embedder } from "../types";
import { wordTokens } from "../word-tokens";
import { loadStarterEmbedder } from "./embedder";
import { loadStarterReranker } from "./reranker";
import { EMBEDDER_DIR, FEATURE_NAMES, RERANKER_DIR, STANDARD_CLIP, type RerankerHead } from "./spec";

// These run the built model files (npm run models:build; the test command builds them first).
const MODELS = path.resolve("models");
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i], 0);

let embedder: Embedder;
let reranker: Awaited<ReturnType<typeof loadStarterReranker>>;
beforeAll(async () => {
  try {
    embedder = await loadStarterEmbedder(MODELS);
    reranker = await loadStarterReranker(MODELS);
  } catch (e) {
    throw new Error(`starter models not built: run \`npm run models:build\` (${(e as Error).message})`);
  }
});

describe("starter models as served", () => {
  it("training and serving share one vocabulary, reachable by the serving tokenizer", async () => {
    const read = (dir: string) => readFile(path.join(MODELS, dir, "vocab.json"), "utf8");
    const [a, b] = await Promise.all([read(EMBEDDER_DIR), read(RERANKER_DIR)]);
    expect(a).toBe(b);
    const words = JSON.parse(a) as string[];
    expect(words.length).toBeGreaterThan(50_000);
    for (const w of words.slice(0, 2000)) expect(wordTokens(w)).toEqual([w]);
  });

  it("the served score is the head applied to exactly the features training reads", async () => {
    const head = JSON.parse(
      await readFile(path.join(MODELS, RERANKER_DIR, "head.json"), "utf8").catch(() => "null"),
    ) as RerankerHead | null;
    const request = {
      query: "Vitamin D deficiency increases the risk of fractures",
      candidates: [
        { id: "1", text: "Low vitamin D levels were associated with hip fractures in older adults.", features: { bm25Score: 12.5, vectorScore: 0.8, fusedRank: 1 } },
        { id: "2", text: "The stock market rallied after the central bank's announcement.", features: { bm25Score: null, vectorScore: 0.2, fusedRank: 2 } },
      ],
      termIdf: { vitamin: 4.2, d: 2.1, deficiency: 5.5, increases: 2.0, the: 0, risk: 2.5, of: 0, fractures: 6.1 },
    };
    const { features, logits } = await reranker.score(request);
    const served = await reranker.rerank(request);
    const f = FEATURE_NAMES.length;
    expect(features.length).toBe(2 * f);
    for (const r of served.results) expect(r.rawScore).toBeCloseTo(logits[r.index], 5);
    if (head) {
      for (let i = 0; i < 2; i++) {
        const clip = (x: number) => Math.min(STANDARD_CLIP, Math.max(-STANDARD_CLIP, x));
        const z = head.weights.reduce(
          (s, w, j) => s + w * clip((features[i * f + j] - head.mean[j]) / head.std[j]),
          head.bias,
        );
        expect(logits[i]).toBeCloseTo(z, 3);
      }
    }
    expect(served.results[0].id).toBe("1");
    expect(served.results[0].score).toBeGreaterThan(served.results[1].score);
  });

  it("embeds to unit vectors where related sentences are closer than unrelated ones", async () => {
    const [a, b, c, empty] = await embedder.embed(
      ["The cat slept on the mat.", "A kitten rested on a rug.", "Bond yields rose on inflation fears.", "∑∑∑"],
      { kind: "passage" },
    );
    expect(dot(a, a)).toBeCloseTo(1, 4);
    expect(dot(a, b)).toBeGreaterThan(dot(a, c) + 0.2);
    expect(dot(empty, empty)).toBeCloseTo(1, 4); // no known word still gives a usable unit vector
  });

  it("reports truncated tokens and honours topN", async () => {
    const res = await reranker.rerank({
      query: "kernel pooling",
      candidates: [
        { id: "long", text: "kernel pooling ".repeat(400) },
        { id: "short", text: "kernel pooling in neural ranking" },
      ],
      topN: 1,
    });
    expect(res.results).toHaveLength(1);
    const all = await reranker.rerank({ query: "kernel pooling", candidates: [{ id: "long", text: "kernel pooling ".repeat(400) }] });
    expect(all.results[0].truncatedTokens).toBe(800 - (512 - 2));
  });
});
