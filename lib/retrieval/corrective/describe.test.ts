import { describe, expect, it } from "vitest";

import { correctiveOf, describeDecision, firstGradedIn, markAddedWords, roundRows } from "./describe";
import type { CorrectiveRound } from "./loop";

const params = { query: "q", k: 30, topN: 5, fusion: "nvidia" as const, rerank: true };

describe("correctiveOf", () => {
  it("finds the rounds of a corrective run and nothing in a single-pass run", () => {
    const corrective = { rounds: [{ round: 1 }], stopReason: "max_rounds" };
    expect(correctiveOf({ ...params, mode: "corrective", corrective } as never)).toBe(corrective);
    expect(correctiveOf(params)).toBeNull();
    expect(correctiveOf({ ...params, mode: "corrective", corrective: { rounds: [] } } as never)).toBeNull();
    expect(correctiveOf({ ...params, mode: "corrective", corrective: { rounds: "x" } } as never)).toBeNull();
    expect(correctiveOf(undefined)).toBeNull();
  });
});

describe("markAddedWords", () => {
  const marked = (question: string, query: string) =>
    markAddedWords(question, query)
      .filter((s) => s.added)
      .map((s) => s.text);

  it("marks RM3's appended terms as one addition, not the question's words", () => {
    const segs = markAddedWords("rose care", "rose care basics guide");
    expect(segs).toEqual([
      { text: "rose care ", added: false },
      { text: "basics guide", added: true },
    ]);
    expect(segs.map((s) => s.text).join("")).toBe("rose care basics guide");
  });

  it("marks the new words of an LLM rewrite wherever they are, ignoring case and width", () => {
    expect(marked("When should ROSES be pruned?", "prune roses late winter")).toEqual(["prune", "late winter"]);
    expect(marked("ＡＢＣ test", "abc test")).toEqual([]);
  });

  it("splits Japanese by words", () => {
    expect(marked("東京の人口", "東京の人口 統計 推移")).toEqual(["統計 推移"]);
  });
});

describe("describeDecision", () => {
  it("says why the loop went on or stopped", () => {
    expect(describeDecision({ reason: "weak_evidence" })).toMatch(/rewritten/);
    expect(describeDecision({ reason: "max_rounds" })).toMatch(/most rounds/);
    expect(describeDecision({ reason: "no_new_passages" })).toMatch(/nothing new/);
    expect(describeDecision({ reason: "enough_relevant" })).toMatch(/enough relevant/);
    expect(describeDecision({ reason: "not_graded" })).toMatch(/could not be graded/);
  });
});

describe("roundRows and firstGradedIn", () => {
  const row = (chunkId: number) => ({
    chunkId,
    documentId: "d",
    documentName: "d.txt",
    bm25Rank: 1,
    bm25Score: 1,
    vectorRank: null,
    vectorScore: null,
    fusedRank: 1,
    fusedScore: 1,
    rerankRank: 1,
    rerankScore: 0.5,
    charStart: 0,
    charEnd: 3,
  });
  it("joins each round's passages to the texts the run keeps once", () => {
    const rows = roundRows({ ranking: [row(2), row(9)] }, [{ ...row(2), text: "two" }]);
    expect(rows.map((r) => [r.chunkId, r.text])).toEqual([
      [2, "two"],
      [9, ""],
    ]);
  });
  it("finds the round each passage was first graded in", () => {
    const grading = (ids: number[]) => ({
      method: "score" as const,
      grades: ids.map((chunkId) => ({ chunkId, relevant: false, score: 0.2 })),
    });
    const rounds = [
      { round: 1, grading: grading([1, 2]) },
      { round: 2, grading: grading([2, 3]) },
      { round: 3, grading: null },
    ] as Pick<CorrectiveRound, "round" | "grading">[];
    expect([...firstGradedIn(rounds)]).toEqual([
      [1, 1],
      [2, 1],
      [3, 2],
    ]);
  });
});
