import { describe, expect, it } from "vitest";
import { firstWordTokens } from "../lazy-tokens";
import { encodePassage, passageSegments, segmentRanges, tokeniseRequest } from "./rerank-inputs";
import { MAX_SEGMENT_TOKENS, MAX_SEGMENTS, MAX_TOKENS } from "./spec";
import { Vocabulary } from "./vocabulary";

// A passage's lead and sentences (the best-match features' spans), in tokens.

const vocab = new Vocabulary(["the", "cat"]);
const segmentsOf = (text: string) => {
  const e = encodePassage(text, vocab);
  return { lead: e.lead, ends: Array.from(e.sentenceEnds), ranges: segmentRanges(e) };
};

describe("passage segments", () => {
  it("end the lead at the first blank line and sentences after . ! ? 。！？ and blank lines", () => {
    // Tokens: title words here | first sentence is this | second one | third | no
    expect(segmentsOf("Title words here.\n\nFirst sentence is this. Second one! Third? no")).toEqual({
      lead: 3,
      ends: [3, 7, 9, 10, 11],
      ranges: [
        [0, 3],
        [0, 3],
        [3, 7],
        [7, 9],
        [9, 10],
        [10, 11],
      ],
    });
    // No blank line: the lead is the whole passage; "3.5" and "e.g." do not end a sentence (no space after the dot).
    expect(segmentsOf("It costs 3.5 e.g.x today")).toMatchObject({ lead: 8, ends: [8] }); // it costs 3 5 e g x today
    // A blank line without a full stop ends the lead and a sentence; so does a blank line with spaces in it.
    expect(segmentsOf("Heading\n  \nBody text. More")).toMatchObject({ lead: 1, ends: [1, 3, 4] });
    // Japanese sentences end at 。 and ！ without a space.
    const ja = "一文目。二文目！\n\n三";
    const jaTokens = firstWordTokens(ja, 100).tokens;
    const first = firstWordTokens("一文目", 10).tokens.length;
    const second = firstWordTokens("二文目", 10).tokens.length;
    expect(segmentsOf(ja)).toMatchObject({ lead: first + second, ends: [first, first + second, jaTokens.length] });
    // An empty lead (the passage starts with a blank line) is an empty segment 0.
    expect(segmentsOf("\n\nGamma first. Then alpha.")).toMatchObject({ lead: 0, ends: [2, 4] });
    expect(segmentsOf("")).toEqual({ lead: 0, ends: [], ranges: [[0, 0]] });
  });

  it("cover exactly the passage's tokens, whatever the text", () => {
    const texts = [
      "The TRAIN to the coast: 3.5km, platform 7b — it's (almost) here! Next one. ",
      "Café au lait. Résumé!\n\nnaïve coöperation? ÉCOLE and Ångström.",
      "東京駅から電車で3駅。The train leaves 東京 at 7:05. 次は？ はい！",
      "ｆｕｌｌ ｗｉｄｔｈ. ＡＢＣ １２３! and ｶﾀｶﾅ half-width",
      "tabs\tand.\nnewlines\r\n\r\n\u0000control \"quotes\". back\\slash",
    ];
    for (const text of texts) {
      const e = encodePassage(text, vocab);
      expect(e.sentenceEnds[e.sentenceEnds.length - 1]).toBe(e.ids.length);
      expect(e.sentenceEnds.length).toBeGreaterThan(1); // not the one-segment fallback
    }
  });

  it("stop at the kept tokens of a long passage", () => {
    const text = "The cat sat. ".repeat(300); // 900 tokens, 300 sentences of 3
    const e = encodePassage(text, vocab);
    expect(e.ids.length).toBe(MAX_TOKENS - 1);
    expect(e.sentenceEnds[e.sentenceEnds.length - 1]).toBe(MAX_TOKENS - 1);
    expect(e.sentenceEnds.length).toBe(Math.ceil((MAX_TOKENS - 1) / 3));
    expect(e.lead).toBe(MAX_TOKENS - 1);
    // Segments: the lead cut to MAX_SEGMENT_TOKENS, then sentences, at most MAX_SEGMENTS in all.
    const ranges = segmentRanges(e);
    expect(ranges.length).toBe(MAX_SEGMENTS);
    expect(ranges[0]).toEqual([0, MAX_SEGMENT_TOKENS]);
    expect(ranges[1]).toEqual([0, 3]);
    expect(ranges[MAX_SEGMENTS - 1]).toEqual([3 * (MAX_SEGMENTS - 2), 3 * (MAX_SEGMENTS - 1)]);
  });

  it("split sentences longer than MAX_SEGMENT_TOKENS", () => {
    const text = `Short one. ${"word ".repeat(150).trim()}. End`;
    expect(segmentRanges(encodePassage(text, vocab))).toEqual([
      [0, MAX_SEGMENT_TOKENS],
      [0, 2],
      [2, 2 + MAX_SEGMENT_TOKENS],
      [2 + MAX_SEGMENT_TOKENS, 2 + 2 * MAX_SEGMENT_TOKENS],
      [2 + 2 * MAX_SEGMENT_TOKENS, 152],
      [152, 153],
    ]);
  });

  it("fall back to one segment if the pieces' tokens do not add up to the text's", () => {
    expect(passageSegments("one two. three", 3, 4)).toEqual({ lead: 3, sentenceEnds: Int32Array.of(3) });
  });

  it("are cut with the passage to the query's budget", () => {
    const text = `Title here\n\n${"the cat sat. ".repeat(200)}`;
    const t = tokeniseRequest({ query: "cat sat on mat", candidates: [{ id: "a", text }] }, (x) =>
      encodePassage(x, vocab),
    );
    const p = t.passages[0];
    expect(p.ids.length).toBe(MAX_TOKENS - 4);
    expect(p.lead).toBe(2);
    expect(p.sentenceEnds[p.sentenceEnds.length - 1]).toBe(MAX_TOKENS - 4);
    expect(Array.from(p.sentenceEnds).every((e, i, a) => i === 0 || e > a[i - 1])).toBe(true);
  });
});
