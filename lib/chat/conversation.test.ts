import { describe, expect, it } from "vitest";

import { citedNumbers, cutAnswer, titleOf } from "./conversation";

describe("titleOf", () => {
  it("keeps a short question on one line", () => {
    expect(titleOf("  When was the\\nbell   cast? ".replace("\\n", "\n"))).toBe("When was the bell cast?");
  });
  it("cuts a long question at a word, with an ellipsis", () => {
    const title = titleOf(`${"word ".repeat(30)}end`);
    expect(title.endsWith("word…")).toBe(true);
    expect([...title].length).toBeLessThanOrEqual(81);
  });
  it("cuts Japanese (no spaces) at 80 characters", () => {
    expect(titleOf("鐘".repeat(100))).toBe(`${"鐘".repeat(80)}…`);
  });
});

describe("cutAnswer", () => {
  const citations = [{ n: 1 }, { n: 2 }, { n: 3 }];
  it("keeps the first chars and only the citations still in the text", () => {
    expect(cutAnswer("Cast in 1741 [1]. Rung by Sato [2][3].", citations, 20)).toEqual({
      answer: "Cast in 1741 [1]. Ru",
      citations: [{ n: 1 }],
    });
    expect(cutAnswer("A [1, 3].", citations, 100).citations).toEqual([{ n: 1 }, { n: 3 }]);
    expect(cutAnswer("A [1].", citations, 3)).toEqual({ answer: "A [", citations: [] });
  });
  it("reads [1], [1, 2] and [1][3] markers", () => {
    expect([...citedNumbers("a [1] b [2, 4] c [5][6]")]).toEqual([1, 2, 4, 5, 6]);
  });
});
