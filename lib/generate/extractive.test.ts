import { describe, expect, it } from "vitest";

import { contentTerms, extractiveAnswer, splitSentences } from "./extractive";
import { NOT_FOUND_ANSWER, type AnswerPassage } from "./types";

const DOC_A = "11111111-1111-4111-8111-111111111111";
const DOC_B = "22222222-2222-4222-8222-222222222222";

function passage(n: number, text: string, extra: Partial<AnswerPassage> = {}): AnswerPassage {
  return {
    n,
    chunkId: 100 + n,
    documentId: n % 2 ? DOC_A : DOC_B,
    documentName: `doc-${n}.md`,
    text,
    charStart: 1000 * n,
    charEnd: 1000 * n + text.length,
    score: 1 / n,
    ...extra,
  };
}

const passages = [
  passage(
    1,
    "Our office is in Lisbon. The quarterly revenue grew by 12 percent. Coffee is served at nine every morning.",
  ),
  passage(
    2,
    "The HNSW index speeds up vector search. Photosynthesis converts light energy into chemical energy in chloroplasts. Plants need water.",
  ),
  passage(3, "Bananas are yellow. The weather was mild last spring."),
];

describe("splitSentences", () => {
  it("splits after terminal punctuation and keeps exact offsets", () => {
    const text = "First one here. Second (with e.g. an abbreviation) here! Third?  \n\nFourth after a break";
    const spans = splitSentences(text);
    expect(spans.map((s) => text.slice(s.start, s.end))).toEqual([
      "First one here.",
      "Second (with e.g. an abbreviation) here!",
      "Third?",
      "Fourth after a break",
    ]);
  });

  it("does not split hard-wrapped prose or decimals, but splits list items", () => {
    const text = "The score rose to 3.5 points\nacross all runs. Then it fell.\n- item one\n- item two";
    expect(splitSentences(text).map((s) => text.slice(s.start, s.end))).toEqual([
      "The score rose to 3.5 points\nacross all runs.",
      "Then it fell.",
      "- item one",
      "- item two",
    ]);
  });
});

describe("extractiveAnswer", () => {
  it("cites the passage that contains the answer, with its chunk's document offsets", () => {
    const answer = extractiveAnswer("How does photosynthesis store light energy?", passages);
    expect(answer.found).toBe(true);
    expect(answer.text).toContain("Photosynthesis converts light energy into chemical energy in chloroplasts [2].");
    expect(answer.citations[0]).toEqual({
      n: 2,
      chunkId: 102,
      documentId: DOC_B,
      charStart: 2000,
      charEnd: 2000 + passages[1].text.length,
    });
    // Every [n] in the text has a citation and vice versa.
    const markers = [...answer.text.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
    expect(new Set(markers)).toEqual(new Set(answer.citations.map((c) => c.n)));
    // The best sentence comes first.
    expect(answer.text.startsWith("Photosynthesis")).toBe(true);
  });

  it("reports sentence offsets in the passage and in the document", () => {
    const answer = extractiveAnswer("quarterly revenue growth", passages);
    const sentence = answer.sentences.find((s) => s.text.startsWith("The quarterly revenue"))!;
    expect(sentence).toBeDefined();
    expect(passages[0].text.slice(sentence.start, sentence.end)).toBe("The quarterly revenue grew by 12 percent.");
    expect(sentence.docStart).toBe(passages[0].charStart + sentence.start);
    expect(sentence.docEnd).toBe(passages[0].charStart + sentence.end);
    expect(sentence.n).toBe(1);
  });

  it("picks between one and four sentences, never duplicating overlapping chunk text", () => {
    const shared = "Rerankers reorder candidates using a cross encoder.";
    const overlapping = [
      passage(1, `Intro text is here. ${shared}`, {
        documentId: DOC_A,
        charStart: 0,
      }),
      passage(2, `${shared} Rerankers are slower than retrievers but more precise.`, {
        documentId: DOC_A,
        charStart: 20,
      }),
      passage(3, "Rerankers can run on a GPU. Candidates come from BM25 and dense retrieval."),
    ];
    const answer = extractiveAnswer("what do rerankers do with candidates", overlapping);
    expect(answer.sentences.length).toBeGreaterThanOrEqual(2);
    expect(answer.sentences.length).toBeLessThanOrEqual(4);
    expect(answer.text.split(shared.slice(0, -1)).length - 1).toBe(1);
  });

  it("says it could not find the answer when no query term occurs in the top passages", () => {
    const answer = extractiveAnswer("volcanic eruptions in Iceland", passages);
    expect(answer).toEqual({
      found: false,
      text: NOT_FOUND_ANSWER,
      citations: [],
      sentences: [],
    });
  });

  it("says so when the top passage scores below the floor, or there are no passages", () => {
    expect(extractiveAnswer("photosynthesis", passages, { minScore: 2 }).found).toBe(false);
    expect(extractiveAnswer("photosynthesis", []).text).toBe(NOT_FOUND_ANSWER);
    expect(extractiveAnswer("what is it", passages).found).toBe(false);
  });

  it("matches simple inflections of query words", () => {
    expect(contentTerms("Rerankers ranked")).toEqual(contentTerms("reranker rank"));
  });
});

describe("extractive answer and headings", () => {
  it("prefers sentences over the heading that names the topic", () => {
    const text =
      "The Quillmarsh Tidal Clock\n\nThe Quillmarsh tidal clock is a water clock in the harbour town.\n\nHow it keeps time\n\nThe clock measures quarter hours with a brass siphon that drains a copper basin.";
    const answer = extractiveAnswer("What does the Quillmarsh tidal clock measure?", [
      { n: 1, chunkId: 1, documentId: "d", documentName: "clock.html", text, charStart: 0, charEnd: text.length, score: 0.9 },
    ]);
    expect(answer.found).toBe(true);
    expect(answer.sentences.map((x) => x.text)).toContain(
      "The clock measures quarter hours with a brass siphon that drains a copper basin.",
    );
    expect(answer.sentences.map((x) => x.text)).not.toContain("The Quillmarsh Tidal Clock");
  });
});
