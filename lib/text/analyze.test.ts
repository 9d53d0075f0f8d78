import { describe, expect, it } from "vitest";
import {
  analyzeForIndex,
  bigrams,
  decodeJapaneseTerm,
  detectScripts,
  encodeJapaneseTerm,
  foldKana,
  japaneseQueryLexemes,
  japaneseTsvectorLiteral,
} from "./analyze";

describe("detectScripts", () => {
  it("finds Japanese, English, both (most characters first), or neither", () => {
    expect(detectScripts("東京に住んでいます")).toEqual(["ja"]);
    expect(detectScripts("カタカナ")).toEqual(["ja"]);
    expect(detectScripts("ｶﾀｶﾅ")).toEqual(["ja"]);
    expect(detectScripts("How do I build RAG?")).toEqual(["en"]);
    expect(detectScripts("ＲＡＧ")).toEqual(["en"]);
    expect(detectScripts("LangGraphでリランキング付きRAGを構築する方法は?")).toEqual(["ja", "en"]);
    expect(detectScripts("LangGraph and RAG で")).toEqual(["en", "ja"]);
    expect(detectScripts("123 ?!。")).toEqual([]);
  });
});

describe("analyzeForIndex", () => {
  it("leaves English text as it is (NFKC only) with no Japanese terms", () => {
    const text = "The cat sat on the mat; running dogs chase 3 cats.";
    expect(analyzeForIndex(text)).toEqual({ latin: text, japaneseTerms: [] });
    expect(analyzeForIndex("ＲＡＧ ｗｉｔｈ ﬁlters").latin).toBe("RAG with filters");
  });

  it("segments Japanese into folded words plus bigrams, and removes it from the Latin text", () => {
    const { latin, japaneseTerms } = analyzeForIndex("東京都に住む");
    expect(latin).toBe(" ");
    // Segmenter words, unigrams, then every bigram of the run.
    expect(japaneseTerms).toEqual(expect.arrayContaining(["東京", "東京", "京都", "都に", "に住", "住む"]));
    expect(japaneseTerms.slice(-5)).toEqual(bigrams("東京都に住む"));
  });

  it("splits mixed Japanese/English text by script run", () => {
    const { latin, japaneseTerms } = analyzeForIndex("LangGraphでリランキング付きRAGを構築する方法は?");
    expect(latin).toBe("LangGraph RAG ?");
    expect(latin.split(/\s+/).filter(Boolean)).toEqual(["LangGraph", "RAG", "?"]);
    // Segmenter words (katakana folded to hiragana) …
    expect(japaneseTerms).toEqual(expect.arrayContaining(["らんきんぐ", "付き", "構築", "方法", "する"]));
    // … unigrams of every Japanese character, and bigrams with a Japanese character in them, crossing into
    // the (lower-cased) Latin letters next to them ("hで", "きr", "gを") but never spanning "?" or a space.
    expect(japaneseTerms).toEqual(expect.arrayContaining(["で", "構", "でり", "りら", "ぐ付", "付き", "を構", "構築", "法は"]));
    expect(japaneseTerms).toEqual(expect.arrayContaining(["hで", "きr", "gを"]));
    expect(japaneseTerms).not.toContain("きを");
    expect(japaneseTerms).not.toContain("は?");
    // No term of Latin letters alone: those stay with the english analyser.
    expect(japaneseTerms.every((t) => /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}ー]/u.test(t))).toBe(true);
    expect(japaneseTerms.every((t) => t === t.toLowerCase())).toBe(true);
  });

  it("folds width and kana variants: ｶﾀｶﾅ == カタカナ == かたかな for matching", () => {
    const half = analyzeForIndex("ｶﾀｶﾅ");
    const full = analyzeForIndex("カタカナ");
    const hira = analyzeForIndex("かたかな");
    expect(half).toEqual(full);
    expect(full.japaneseTerms).toContain("かたかな");
    const grams = (t: string[]) => t.filter((x) => [...x].length === 2);
    expect(new Set(grams(full.japaneseTerms))).toEqual(new Set(["かた", "たか", "かな"]));
    expect(new Set(grams(hira.japaneseTerms))).toEqual(new Set(["かた", "たか", "かな"]));
    // A query in one form matches a document in another.
    expect(japaneseQueryLexemes(hira.japaneseTerms).some((l) => japaneseQueryLexemes(half.japaneseTerms).includes(l))).toBe(
      true,
    );
    expect(foldKana("ヴァイオリン・データ")).toBe("ゔぁいおりん・でーた");
    expect(analyzeForIndex("ﾃﾞｰﾀ").japaneseTerms).toEqual(analyzeForIndex("データ").japaneseTerms);
  });

  it("keeps the prolonged sound mark and iteration marks inside runs; one character gives a unigram", () => {
    expect(analyzeForIndex("データ").japaneseTerms).toContain("でー");
    expect(analyzeForIndex("人々").japaneseTerms).toContain("人々");
    // "猫" as a Segmenter word and as a unigram; nothing from the Latin letters around it.
    expect(analyzeForIndex("A 猫 B").japaneseTerms).toEqual(["猫", "猫"]);
    expect(analyzeForIndex("1945年8月").japaneseTerms).toEqual(expect.arrayContaining(["年", "月", "5年", "年8", "8月"]));
    expect(analyzeForIndex("1945年8月").japaneseTerms).not.toContain("19");
    expect(bigrams("猫")).toEqual(["猫"]);
    expect(bigrams("猫犬鳥")).toEqual(["猫犬", "犬鳥"]);
    expect(bigrams("𠮷野")).toEqual(["𠮷野"]); // a surrogate pair is one character
  });

  it("is deterministic for indexing and querying alike", () => {
    const text = "梅雨（つゆ、ばいう）は、東アジアの気象現象。Rainy season.";
    expect(analyzeForIndex(text)).toEqual(analyzeForIndex(text));
    expect(analyzeForIndex(text).latin).toContain("Rainy season.");
  });
});

describe("encoding", () => {
  it("round-trips Japanese terms through ASCII lexemes", () => {
    for (const term of ["東京", "かな", "猫", "𠮷野", "ー々"]) {
      const lexeme = encodeJapaneseTerm(term);
      expect(lexeme).toMatch(/^j_[0-9a-f]+$/);
      expect(decodeJapaneseTerm(lexeme)).toBe(term);
    }
    expect(encodeJapaneseTerm("あ")).toBe("j_e38182");
    expect(decodeJapaneseTerm("cat")).toBeNull();
    expect(decodeJapaneseTerm("j_zz")).toBeNull();
    expect(decodeJapaneseTerm("j_ff")).toBeNull();
  });

  it("builds tsvector literals with positions and distinct query lexemes", () => {
    expect(japaneseTsvectorLiteral(["東京", "京都", "東京"])).toBe(
      `'${encodeJapaneseTerm("東京")}':1 '${encodeJapaneseTerm("京都")}':2 '${encodeJapaneseTerm("東京")}':3`,
    );
    expect(japaneseTsvectorLiteral([])).toBe("");
    expect(japaneseQueryLexemes(["東京", "京都", "東京"])).toHaveLength(2);
  });
});
