import { describe, expect, it } from "vitest";

import { contentTerms, extractiveAnswer, splitSentences } from "./extractive";
import { NOT_FOUND_ANSWER, type AnswerPassage } from "./types";

function passage(n: number, text: string, extra: Partial<AnswerPassage> = {}): AnswerPassage {
  return {
    n,
    chunkId: 200 + n,
    documentId: `doc-${n}`,
    documentName: `doc-${n}.md`,
    text,
    charStart: 500 * n,
    charEnd: 500 * n + text.length,
    score: 1 / n,
    ...extra,
  };
}

const BELL =
  "霧灯港の潮鐘は、満ち潮の高さに合わせて鳴る青銅の鐘である。鐘守たちは毎朝、錫の升で海水を量り、その重さを帳面に記す。" +
  "潮鐘が夜明け前に三度鳴るのは、漁師に潮の変わり目を知らせるためだ！古い記録には『鐘が止まった年、港は凍った。』とある。";
const GARDEN = "庭園の苔は梅雨の季節に最も美しくなる。庭師は竹の箒で落ち葉を掃く。";
const MIXED =
  "RankLens は BM25 と vector search の順位を並べて表示する。The reranker reorders the fused candidates. リランカーは上位の候補を並べ替える。";

const slices = (text: string) => splitSentences(text).map((s) => text.slice(s.start, s.end));

describe("splitSentences on Japanese text", () => {
  it("splits after 。！？ with no following space, keeping exact offsets and closing brackets", () => {
    expect(slices(BELL)).toEqual([
      "霧灯港の潮鐘は、満ち潮の高さに合わせて鳴る青銅の鐘である。",
      "鐘守たちは毎朝、錫の升で海水を量り、その重さを帳面に記す。",
      "潮鐘が夜明け前に三度鳴るのは、漁師に潮の変わり目を知らせるためだ！",
      "古い記録には『鐘が止まった年、港は凍った。』とある。",
    ]);
    expect(slices("本当ですか？はい。「潮が変わる。」次の文。")).toEqual([
      "本当ですか？",
      "はい。",
      "「潮が変わる。」",
      "次の文。",
    ]);
  });

  it("splits mixed English/Japanese text at both kinds of sentence end", () => {
    expect(slices(MIXED)).toEqual([
      "RankLens は BM25 と vector search の順位を並べて表示する。",
      "The reranker reorders the fused candidates.",
      "リランカーは上位の候補を並べ替える。",
    ]);
    expect(slices("速い!次はBM25です。")).toEqual(["速い!", "次はBM25です。"]);
  });
});

describe("contentTerms for Japanese", () => {
  it("uses segmenter words and kanji/katakana bigrams, dropping particles and question frames", () => {
    const terms = contentTerms("潮鐘はなぜ夜明け前に鳴るのですか？");
    expect(terms).toEqual(expect.arrayContaining(["潮", "鐘", "潮鐘", "夜明け", "鳴る"]));
    for (const stop of ["は", "なぜ", "の", "です", "か"]) expect(terms).not.toContain(stop);
  });

  it("matches half-width katakana and full-width Latin to their normal forms, English unchanged", () => {
    expect(contentTerms("ﾘﾗﾝｶｰ")).toEqual(contentTerms("リランカー"));
    expect(contentTerms("ＢＭ２５とリランカー")).toEqual(expect.arrayContaining(["bm25", "リランカー"]));
    expect(contentTerms("Rerankers ranked the passages")).toEqual(["reranker", "rank", "passage"]);
  });
});

describe("extractiveAnswer for Japanese questions", () => {
  it("answers a Japanese question from Japanese passages, sentence text intact, cited [n]", () => {
    const answer = extractiveAnswer("潮鐘はなぜ夜明け前に三度鳴るのですか？", [passage(1, GARDEN), passage(2, BELL)]);
    expect(answer.found).toBe(true);
    expect(answer.text).toContain("潮鐘が夜明け前に三度鳴るのは、漁師に潮の変わり目を知らせるためだ[2]！");
    expect(answer.citations.map((c) => c.n)).toEqual([2]);
    const best = answer.sentences.find((x) => x.text.startsWith("潮鐘が夜明け前"))!;
    expect(best.chunkId).toBe(202);
    expect(BELL.slice(best.start, best.end)).toBe("潮鐘が夜明け前に三度鳴るのは、漁師に潮の変わり目を知らせるためだ！");
    expect(best.score).toBe(Math.max(...answer.sentences.map((x) => x.score)));
    expect(best.docStart).toBe(1000 + best.start);
    // Japanese sentences join without spaces; every cited sentence is one of the passage's own.
    expect(answer.text).not.toMatch(/[。！]\s/u);
    for (const s of answer.sentences) expect(BELL).toContain(s.text);
  });

  it("answers from a passage where the question's compound word only occurs inside longer words", () => {
    const answer = extractiveAnswer("鐘守は毎朝何を量りますか", [passage(1, BELL)]);
    expect(answer.found).toBe(true);
    expect(answer.text).toContain("鐘守たちは毎朝、錫の升で海水を量り、その重さを帳面に記す[1]。");
  });

  it("handles mixed English/Japanese questions and passages", () => {
    const answer = extractiveAnswer("RankLensのリランカーは何をしますか?", [passage(1, GARDEN), passage(2, MIXED)]);
    expect(answer.found).toBe(true);
    expect(answer.citations.map((c) => c.n)).toEqual([2]);
    expect(answer.text).toContain("リランカーは上位の候補を並べ替える[2]。");

    const english = extractiveAnswer("What does the reranker reorder?", [passage(1, MIXED)]);
    expect(english.text).toContain("The reranker reorders the fused candidates [1].");
  });

  it("says it could not find the answer when no Japanese query term occurs", () => {
    const answer = extractiveAnswer("火山の噴火はいつですか？", [passage(1, GARDEN), passage(2, BELL)]);
    expect(answer.found).toBe(false);
    expect(answer.text).toBe(NOT_FOUND_ANSWER);
  });

  it("joins hard-wrapped Japanese lines without inserting spaces", () => {
    const text = "潮鐘は満ち潮の高さに合わせて\n鳴る青銅の鐘である。";
    const answer = extractiveAnswer("潮鐘はどんな鐘ですか", [passage(1, text)]);
    expect(answer.text).toBe("潮鐘は満ち潮の高さに合わせて鳴る青銅の鐘である[1]。");
  });
});
