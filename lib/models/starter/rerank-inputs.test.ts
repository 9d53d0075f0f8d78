import { describe, expect, it } from "vitest";
import { firstWordTokens } from "../lazy-tokens";
import {
  asciiFirstWordTokens,
  cachedPassageEncoder,
  distinctWords,
  encodePassage,
  tokeniseRequest,
} from "./rerank-inputs";
import { MAX_TOKENS } from "./spec";
import { Vocabulary } from "./vocabulary";

describe("asciiFirstWordTokens (the worker's fast path)", () => {
  it("equals firstWordTokens on ASCII text, for every keep", () => {
    let x = 12345;
    const rand = () => ((x = (Math.imul(x, 1103515245) + 12345) | 0) >>> 0) / 2 ** 32;
    const alphabet = "aZ09 _-.,;:!?'\"\t\n\r()[]{}<>/\\|@#$%^&*+=~`\u0000\u001fxyzQW";
    for (let n = 0; n < 300; n++) {
      const len = Math.floor(rand() * 200);
      let text = "";
      for (let i = 0; i < len; i++) text += alphabet[Math.floor(rand() * alphabet.length)];
      for (const keep of [0, 1, 5, 512]) expect(asciiFirstWordTokens(text, keep)).toEqual(firstWordTokens(text, keep));
    }
    const prose = "The Train to the COAST leaves every 15 minutes (platform 7b); it's 3.5km away. ".repeat(40);
    expect(asciiFirstWordTokens(prose, 504)).toEqual(firstWordTokens(prose, 504));
  });

  it("gives encodePassage the general tokenizer's tokens on any text: Japanese, accents, full-width, numbers, punctuation", () => {
    const vocab = new Vocabulary(["the", "train", "coast", "café", "東京", "駅", "3", "5km", "résumé", "full", "width"]);
    const texts = [
      "The TRAIN to the coast: 3.5km, platform 7b — it's (almost) here!",
      "Café au lait, résumé, naïve coöperation; ÉCOLE and Ångström.",
      "東京駅から電車で3駅。The train leaves 東京 at 7:05.",
      "ｆｕｌｌ ｗｉｄｔｈ ＡＢＣ １２３ and ｶﾀｶﾅ half-width",
      "tabs\tand\nnewlines\r\n\u0000control \"quotes\" back\\slash",
      "ﬁ ligature, ² superscript, ½ fraction, e\u0301 combining, 🙂 emoji, Ⅻ numeral",
      "",
      "plain ascii only, many words ".repeat(40),
    ];
    for (const text of texts) {
      const { tokens, total } = firstWordTokens(text, MAX_TOKENS - 1);
      const encoded = encodePassage(text, vocab);
      expect(Array.from(encoded.ids)).toEqual(tokens.map((t) => vocab.id(t)));
      expect(encoded.total).toBe(total);
    }
  });

  it("declines non-ASCII text (NFKC and Unicode letters take the general path)", () => {
    expect(asciiFirstWordTokens("café", 10)).toBeNull();
    expect(asciiFirstWordTokens("ｆｕｌｌ width", 10)).toBeNull();
    expect(asciiFirstWordTokens("東京 tokyo", 10)).toBeNull();
  });
});

describe("the passage cache", () => {
  const vocab = new Vocabulary(["the", "cat", "sat", "rug"]);
  const long = "the cat sat on the rug ".repeat(200); // 1200 words

  it("answers a repeated passage from the cache with the very tokens encodePassage gives", () => {
    const cache = cachedPassageEncoder(vocab);
    const first = cache.encode(long);
    expect(cache.encode(long)).toBe(first);
    expect(cache.stats).toEqual({ hits: 1, misses: 1 });
    const fresh = encodePassage(long, vocab);
    expect(Array.from(first.ids)).toEqual(Array.from(fresh.ids));
    expect(Array.from(first.hashes)).toEqual(Array.from(fresh.hashes));
    expect(first.total).toBe(1200);
    expect(first.ids.length).toBe(MAX_TOKENS - 1);
  });

  it("cuts each passage to the query's budget and counts the rest as truncated, cached or not", () => {
    const cache = cachedPassageEncoder(vocab);
    const request = {
      query: "cat on a rug",
      candidates: [
        { id: "a", text: long },
        { id: "b", text: "the cat" },
      ],
    };
    for (let round = 0; round < 2; round++) {
      const t = tokeniseRequest(request, cache.encode);
      expect(t.passages.map((p) => p.ids.length)).toEqual([MAX_TOKENS - 4, 2]);
      expect(t.truncated).toEqual([1200 - (MAX_TOKENS - 4), 0]);
    }
    expect(cache.stats.hits).toBe(2);
  });

  it("holds at most maxTokens tokens, dropping the least recently used passage first", () => {
    const cache = cachedPassageEncoder(vocab, 10);
    cache.encode("the cat sat"); // 3 tokens
    cache.encode("the rug"); // 2
    cache.encode("the cat sat"); // hit: now the most recently used
    cache.encode("cat cat cat cat cat cat"); // 6: 11 > 10, so "the rug" goes
    expect(cache.size()).toBe(2);
    cache.encode("the cat sat");
    expect(cache.stats.hits).toBe(2);
    cache.encode("the rug");
    expect(cache.stats.misses).toBe(4);
  });
});

describe("distinctWords (what the reranker graph pools over)", () => {
  it("counts each word once per occurrence: in-vocabulary words by id, out-of-vocabulary ones by hash", () => {
    const vocab = new Vocabulary(["the", "cat", "sat"]);
    const p = encodePassage("the cat sat the zebra cat the okapi zebra", vocab);
    const words = distinctWords(p.ids, p.hashes);
    expect(Array.from(words.ids)).toEqual([1, 2, 3, 0, 0]);
    expect(Array.from(words.counts)).toEqual([3, 2, 1, 2, 1]); // the, cat, sat, zebra, okapi
    expect(words.hashes[3]).not.toBe(words.hashes[4]);
    expect(p.words).toEqual(words);
    expect(words.counts.reduce((a, b) => a + b, 0)).toBe(p.ids.length);
  });
});
