import { describe, expect, it } from "vitest";
import { openSession, ort } from "../onnx/session";
import { buildEmbedderGraph, buildRerankerGraph, sifWeights, type WordVectors } from "./build";
import { buildRerankInputs } from "./rerank-inputs";
import { rerankFeeds } from "./reranker";
import { DIMENSION, FEATURE_NAMES, KERNEL_MUS, KERNEL_SIGMAS, MATCH_FEATURES, untrainedHead } from "./spec";
import { Vocabulary } from "./vocabulary";

// A tiny vocabulary with random vectors: the graphs are checked against plain TypeScript arithmetic.
const words = ["the", "cat", "kitten", "rug", "stock", "market"];
let seed = 42;
const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
const wv: WordVectors = {
  words,
  ranks: words.map((_, i) => i * 50),
  vectors: Float32Array.from({ length: words.length * DIMENSION }, rand),
};
const vec = (w: string) =>
  Array.from(wv.vectors.subarray(words.indexOf(w) * DIMENSION, (words.indexOf(w) + 1) * DIMENSION));
const unit = (v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);

describe("starter model graphs", () => {
  it("the embedder is a normalised SIF-weighted sum with the principal component removed", async () => {
    const { session } = await openSession(buildEmbedderGraph(wv));
    const ids = Int32Array.from([2, 3, 0]); // "cat kitten <pad>"
    const out = await session.run({ input_ids: new ort.Tensor("int32", ids, [1, 3]) });
    const e = Array.from(out.embedding.data as Float32Array);
    expect(Math.hypot(...e)).toBeCloseTo(1, 5);
    const sif = sifWeights(wv.ranks);
    const sum = vec("cat").map((x, i) => sif[1] * x + sif[2] * vec("kitten")[i]);
    // Removing one direction leaves the embedding orthogonal to it and inside span{sum, pc}.
    const cosToSum = dot(e, unit(sum));
    expect(cosToSum).toBeGreaterThan(0.5);
  });

  it("the reranker's kernel features match a TypeScript reference", async () => {
    const { session } = await openSession(buildRerankerGraph(wv, untrainedHead()));
    const vocab = new Vocabulary(words);
    const inputs = buildRerankInputs({
      vocab,
      query: "cat rug zebra",
      candidates: [
        { id: "a", text: "the kitten on the rug zebra", features: { bm25Score: 2, vectorScore: 0.5, fusedRank: 1 } },
        { id: "b", text: "stock market", features: { bm25Score: null, vectorScore: 0.1, fusedRank: 2 } },
      ],
      termIdf: { cat: 2, rug: 1, zebra: 3 },
      defaultIdf: 5,
    });
    const out = await session.run(rerankFeeds(inputs));
    const features = out.features.data as Float32Array;
    const f = FEATURE_NAMES.length;
    // Reference for candidate "a": "zebra" is out of vocabulary but matches exactly by hash.
    const qw = ["cat", "rug", "zebra"];
    const pw = ["the", "kitten", "on", "the", "rug", "zebra"];
    const sim = (a: string, b: string) => {
      if (a === b) return 1;
      if (!words.includes(a) || !words.includes(b)) return 0;
      return dot(unit(vec(a)), unit(vec(b)));
    };
    const idf = [2, 1, 3];
    KERNEL_MUS.forEach((mu, k) => {
      const perQuery = qw.map((a) =>
        Math.log1p(pw.reduce((s, b) => s + Math.exp(-((sim(a, b) - mu) ** 2) / (2 * KERNEL_SIGMAS[k] ** 2)), 0)),
      );
      const plain = perQuery.reduce((s, x) => s + x, 0) / 3;
      const weighted = perQuery.reduce((s, x, i) => s + x * idf[i], 0) / 6;
      expect(features[k]).toBeCloseTo(plain, 4);
      expect(features[KERNEL_MUS.length + k]).toBeCloseTo(weighted, 4);
    });
    // First-stage features are passed through after the kernels and best matches.
    const bm25 = FEATURE_NAMES.indexOf("bm25_rel");
    expect(bm25).toBe(2 * KERNEL_MUS.length + MATCH_FEATURES.length);
    expect(features[bm25]).toBeCloseTo(1); // bm25 relative to the best
    expect(features[f + bm25]).toBeCloseTo(0); // candidate b has no BM25 score
    expect(features[f + bm25 + 1]).toBe(1); // … and says so
    expect((out.logit.data as Float32Array).length).toBe(2);
  });

  it("the best-match features: IDF-weighted best similarity over the passage, its lead and its best segment", async () => {
    const { session } = await openSession(buildRerankerGraph(wv, untrainedHead()));
    const vocab = new Vocabulary(words);
    const match = (query: string, texts: string[], termIdf: Record<string, number>) =>
      session
        .run(
          rerankFeeds(
            buildRerankInputs({ vocab, query, candidates: texts.map((text, i) => ({ id: `${i}`, text })), termIdf, defaultIdf: 5 }),
          ),
        )
        .then((out) => {
          const features = out.features.data as Float32Array;
          const at = FEATURE_NAMES.indexOf(MATCH_FEATURES[0]);
          return texts.map((_, i) => Array.from(features.subarray(i * FEATURE_NAMES.length + at).subarray(0, 3)));
        });
    // Out-of-vocabulary words only: similarity 1 for the same word, else 0 (no vector). IDF 1, 2, 3 (sum 6).
    const idf = { alpha: 1, beta: 2, gamma: 3 };
    const [a, b, c, d] = await match(
      "alpha beta gamma",
      [
        "Alpha title\n\nBeta and gamma here. Nothing else.", // lead "alpha title"; sentences: it, "beta … here", "nothing else"
        "nothing matches",
        "\n\nGamma first. Then alpha.", // an empty lead
        "beta gamma", // no blank line: the lead is the whole passage
      ],
      idf,
    );
    const close = (got: number[], want: number[]) => want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 5));
    close(a, [1, 1 / 6, 5 / 6]);
    close(b, [0, 0, 0]);
    close(c, [4 / 6, -1, 3 / 6]);
    close(d, [5 / 6, 5 / 6, 5 / 6]);
    // With vectors: a query word's best similarity is its largest cosine to any word of the span.
    const [e] = await match("cat market", ["The rug.\n\nThe kitten sat. Stock fell."], { cat: 2, market: 1 });
    // "sat" and "fell" have no vector: similarity 0.
    const cos = (x: string, y: string) => (words.includes(y) ? dot(unit(vec(x)), unit(vec(y))) : 0);
    const bestOf = (span: string[]) =>
      (2 * Math.max(...span.map((w) => cos("cat", w))) + Math.max(...span.map((w) => cos("market", w)))) / 3;
    const spans = [
      ["the", "rug"],
      ["the", "kitten", "sat"],
      ["stock", "fell"],
    ];
    close(e, [bestOf(spans.flat()), bestOf(spans[0]), Math.max(...spans.map(bestOf))]);
  });

  it("counts passage words cut to fit 512 tokens", () => {
    const vocab = new Vocabulary(words);
    const inputs = buildRerankInputs({
      vocab,
      query: "cat rug",
      candidates: [{ id: "long", text: "cat ".repeat(600) }],
      defaultIdf: 5,
    });
    // One distinct word, counted 510 times: the passage's first 512 - 2 tokens.
    expect(inputs.pairWords).toBe(1);
    expect(inputs.pairCounts[0]).toBe(510);
    expect(inputs.truncatedTokens).toEqual([90]);
    expect(inputs.queryIdf[0]).toBe(5);
  });
});
