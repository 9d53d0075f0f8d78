import { describe, expect, it } from "vitest";
import { countTokens, tokenize } from "./tokens";

const words = (text: string) => tokenize(text).map((t) => text.slice(t.start, t.end));

describe("tokenize", () => {
  it("splits words, numbers and single punctuation characters", () => {
    expect(words("Hello, world! It's 42.5% done.")).toEqual([
      "Hello",
      ",",
      "world",
      "!",
      "It",
      "'",
      "s",
      "42",
      ".",
      "5",
      "%",
      "done",
      ".",
    ]);
  });

  it("keeps letters with accents and combining marks in one token", () => {
    expect(words("café naïve e\u0301te\u0301")).toEqual(["café", "naïve", "e\u0301te\u0301"]);
  });

  it("makes each CJK ideograph and kana character its own token", () => {
    expect(words("日本語のテキストです")).toEqual(["日", "本", "語", "の", "テ", "キ", "ス", "ト", "で", "す"]);
    expect(words("RankLens日本")).toEqual(["RankLens", "日", "本"]);
  });

  it("keeps Hangul and other spaced scripts as word runs", () => {
    expect(words("한국어 텍스트 Привет мир")).toEqual(["한국어", "텍스트", "Привет", "мир"]);
  });

  it("treats an emoji (surrogate pair) as one token", () => {
    const text = "ok 🎉!";
    expect(words(text)).toEqual(["ok", "🎉", "!"]);
  });

  it("returns exact offsets and ignores whitespace", () => {
    const text = "  a\tbc\n\n d ";
    expect(tokenize(text)).toEqual([
      { start: 2, end: 3 },
      { start: 4, end: 6 },
      { start: 9, end: 10 },
    ]);
  });

  it("counts tokens consistently with tokenize", () => {
    for (const text of ["", "   ", "one two", "a.b,c", "日本 text 🎉"]) {
      expect(countTokens(text)).toBe(tokenize(text).length);
    }
    expect(countTokens("")).toBe(0);
  });
});
