import { describe, expect, it } from "vitest";

import type { SearchResultRow } from "@/lib/retrieval/search";

import { gradeByScore, gradePassages, isEvidenceWeak } from "./grade";
import { extractJsonObject } from "./llm-json";
import { mergeEvidence } from "./loop";

describe("gradeByScore", () => {
  it("marks passages at or above the threshold relevant and unscored ones not", () => {
    expect(
      gradeByScore(
        [
          { chunkId: 1, text: "a", score: 0.5 },
          { chunkId: 2, text: "b", score: 0.49 },
          { chunkId: 3, text: "c", score: null },
        ],
        0.5,
      ),
    ).toEqual([
      { chunkId: 1, relevant: true, score: 0.5 },
      { chunkId: 2, relevant: false, score: 0.49 },
      { chunkId: 3, relevant: false, score: null },
    ]);
  });

  it("is what gradePassages does without an LLM", async () => {
    const g = await gradePassages({
      question: "q",
      passages: [{ chunkId: 7, text: "t", score: 0.8 }],
      threshold: 0.7,
      llm: null,
    });
    expect(g).toEqual({ method: "score", grades: [{ chunkId: 7, relevant: true, score: 0.8 }] });
  });
});

describe("isEvidenceWeak", () => {
  it("is weak below minRelevant relevant passages", () => {
    expect(isEvidenceWeak({ relevant: 1, minRelevant: 2, topN: 5 })).toBe(true);
    expect(isEvidenceWeak({ relevant: 2, minRelevant: 2, topN: 5 })).toBe(false);
  });

  it("never asks for more relevant passages than the answer takes", () => {
    expect(isEvidenceWeak({ relevant: 1, minRelevant: 3, topN: 1 })).toBe(false);
    expect(isEvidenceWeak({ relevant: 0, minRelevant: 3, topN: 1 })).toBe(true);
  });
});

describe("mergeEvidence", () => {
  const row = (chunkId: number, rerankScore: number | null): SearchResultRow =>
    ({ chunkId, rerankScore, text: `t${chunkId}` }) as SearchResultRow;

  it("puts relevant passages first, then by score, each passage once with its best score", () => {
    const merged = mergeEvidence(
      [{ results: [row(1, 0.4), row(2, 0.3), row(3, null)] }, { results: [row(4, 0.35), row(2, 0.45), row(5, 0.9)] }],
      new Map([
        [2, { chunkId: 2, relevant: true, score: 0.45 }],
        [4, { chunkId: 4, relevant: true, score: 0.35 }],
        [1, { chunkId: 1, relevant: false, score: 0.4 }],
      ]),
    );
    expect(merged.map((r) => [r.chunkId, r.rerankScore])).toEqual([
      [2, 0.45],
      [4, 0.35],
      [5, 0.9],
      [1, 0.4],
      [3, null],
    ]);
  });
});

describe("extractJsonObject", () => {
  it("reads a bare object, a fenced one and one inside prose", () => {
    expect(extractJsonObject('{"a":1}')).toEqual({ a: 1 });
    expect(extractJsonObject('```json\n{"a":2}\n```')).toEqual({ a: 2 });
    expect(extractJsonObject('Here: {"a":3} done')).toEqual({ a: 3 });
  });

  it("throws when there is no object", () => {
    expect(() => extractJsonObject("no json")).toThrow(/no JSON object/);
    expect(() => extractJsonObject("{not: json}")).toThrow();
  });
});
