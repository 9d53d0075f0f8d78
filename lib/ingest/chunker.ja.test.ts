import { describe, expect, it } from "vitest";
import { chunkText, type Chunk } from "./chunker";
import { countTokens, tokenize } from "./tokens";

// Japanese and mixed Japanese/English text: no spaces between words, sentences end with 。！？.

const JA_SENTENCES = [
  "霧灯港の潮鐘は、満ち潮の高さに合わせて鳴る青銅の鐘である。",
  "鐘守たちは毎朝、錫の升で海水を量り、その重さを帳面に記す。",
  "なぜ鐘は夜明け前に三度鳴るのか？",
  "それは漁師に「潮が変わる。」と知らせるためだ。",
  "古い記録には『鐘が止まった年、港は凍った。』とある！",
  "RankLens で検索すると、BM25 と vector の順位が並んで表示される。",
  "現在の潮位は 3.2 メートル（平均より高い）。",
];

function japaneseText(paragraphs: number, sentencesEach: number) {
  const out: string[] = [];
  let k = 0;
  for (let p = 0; p < paragraphs; p++) {
    const s: string[] = [];
    for (let j = 0; j < sentencesEach; j++) s.push(JA_SENTENCES[k++ % JA_SENTENCES.length]);
    out.push(s.join(""));
  }
  return out.join("\n\n");
}

function checkInvariants(text: string, chunks: Chunk[], size: number) {
  expect(chunks.length).toBeGreaterThan(0);
  chunks.forEach((c, i) => {
    expect(c.position).toBe(i);
    expect(c.text).toBe(text.slice(c.charStart, c.charEnd));
    expect(c.tokenCount).toBe(countTokens(c.text));
    expect(c.tokenCount).toBeGreaterThan(0);
    expect(c.tokenCount).toBeLessThanOrEqual(size);
    expect(c.text).toBe(c.text.trim());
    if (i > 0) {
      expect(c.charStart).toBeGreaterThan(chunks[i - 1].charStart);
      expect(c.charEnd).toBeGreaterThan(chunks[i - 1].charEnd);
      // No gap: every token is in some chunk (only whitespace between consecutive chunks).
      if (c.charStart > chunks[i - 1].charEnd) expect(text.slice(chunks[i - 1].charEnd, c.charStart).trim()).toBe("");
    }
  });
  const tokens = tokenize(text);
  expect(chunks[0].charStart).toBe(tokens[0].start);
  expect(chunks.at(-1)!.charEnd).toBe(tokens.at(-1)!.end);
}

/** A chunk ends at a sentence end: 。！？ possibly followed by closing brackets. */
const ENDS_SENTENCE = /[。！？.!?][」』）)]*$/u;

describe("tokens for Japanese text", () => {
  it("counts each kanji and kana character as one token, Latin words as one", () => {
    expect(countTokens("日本語")).toBe(3);
    expect(countTokens("ひらがなカタカナ漢字")).toBe(10);
    expect(countTokens("霧灯港の潮鐘は、満ち潮の高さに合わせて鳴る。")).toBe(22);
    const mixed = "RankLensで検索する";
    expect(tokenize(mixed).map((t) => mixed.slice(t.start, t.end))).toEqual(["RankLens", "で", "検", "索", "す", "る"]);
    // Full-width punctuation is one token each; a Japanese sentence costs about one token per character.
    expect(countTokens("「はい。」")).toBe(5);
    const sentence = JA_SENTENCES[0];
    expect(countTokens(sentence)).toBe([...sentence].length);
  });
});

describe("chunkText on Japanese text", () => {
  it("keeps exact offsets and size bounds, for several sizes and overlaps", () => {
    const text = japaneseText(12, 9);
    for (const [size, overlap] of [
      [100, 0],
      [100, 20],
      [150, 30],
      [400, 50],
    ]) {
      checkInvariants(text, chunkText(text, { size, overlap }), size);
    }
  });

  it("ends chunks at 。！？ (after closing brackets) when a paragraph is too long", () => {
    // One long paragraph: no paragraph or line breaks to fall back on, so sentence ends decide.
    const text = japaneseText(1, 60);
    const chunks = chunkText(text, { size: 100, overlap: 0 });
    checkInvariants(text, chunks, 100);
    expect(chunks.length).toBeGreaterThan(5);
    for (const c of chunks) expect(c.text).toMatch(ENDS_SENTENCE);
    // Chunks are contiguous, each starting at a sentence start.
    for (let i = 1; i < chunks.length; i++) expect(chunks[i].charStart).toBe(chunks[i - 1].charEnd);
  });

  it("never separates 。 from the closing bracket after it", () => {
    const quote = "彼は「潮が変わる。」と言った。";
    const text = Array.from({ length: 40 }, () => quote).join("");
    const chunks = chunkText(text, { size: 100, overlap: 0 });
    checkInvariants(text, chunks, 100);
    for (const c of chunks) {
      expect(c.text.startsWith("」")).toBe(false);
      expect(c.text).toMatch(/。」?$/u);
    }
    // 「…。」 ends a sentence too when the quote closes a sentence: 『…。』 followed directly by text.
    const nested = "古い記録には『港は凍った。』".repeat(30);
    for (const c of chunkText(nested, { size: 100, overlap: 0 })) expect(c.text).toMatch(/。』$/u);
  });

  it("treats full-width ！？ and ASCII !? before Japanese as sentence ends", () => {
    const text = "本当ですか？はい！".repeat(20) + "すごい!次へ進む".repeat(20);
    const chunks = chunkText(text, { size: 100, overlap: 0 });
    checkInvariants(text, chunks, 100);
    for (const c of chunks.slice(0, -1)) expect(c.text).toMatch(/[？！!]$/u);
  });

  it("chunks mixed Japanese/English paragraphs at paragraph, then sentence boundaries", () => {
    const english = "The tide bell of Kiritomo rings three times before dawn. Keepers weigh the sea water every morning.";
    const paragraphs = Array.from({ length: 20 }, (_, i) => (i % 2 ? english : japaneseText(1, 5)));
    const text = paragraphs.join("\n\n");
    const chunks = chunkText(text, { size: 150, overlap: 20 });
    checkInvariants(text, chunks, 150);
    for (const c of chunks) expect(c.text).toMatch(ENDS_SENTENCE);
  });

  it("falls back to single characters when a Japanese run has no sentence end", () => {
    const text = "潮".repeat(1000);
    const chunks = chunkText(text, { size: 100, overlap: 10 });
    checkInvariants(text, chunks, 100);
    expect(chunks[0].tokenCount).toBe(100);
    expect(chunks[1].charStart).toBe(90);
  });
});
