import { describe, expect, it } from "vitest";
import { tokenHash, wordTokens } from "./word-tokens";

describe("wordTokens", () => {
  it("lower-cases, normalises and splits on anything but letters and digits", () => {
    expect(wordTokens("The P53-gene's ＡＢＣ   2024!")).toEqual(["the", "p53", "gene", "s", "abc", "2024"]);
    expect(wordTokens("  \n ")).toEqual([]);
  });
  it("hashes tokens deterministically into int32", () => {
    expect(tokenHash("kernel")).toBe(tokenHash("kernel"));
    expect(tokenHash("kernel")).not.toBe(tokenHash("kernels"));
    expect(Number.isInteger(tokenHash("x")) && Math.abs(tokenHash("x")) <= 2 ** 31).toBe(true);
  });
});

describe("wordTokens on Japanese and mixed text", () => {
  it("segments Japanese runs into words and keeps Latin words whole", () => {
    const tokens = wordTokens("LangGraphでリランキング付きRAGを構築する方法は?");
    expect(tokens).toContain("langgraph");
    expect(tokens).toContain("rag");
    expect(tokens).toContain("構築");
    expect(tokens.join("")).toBe("langgraphでリランキング付きragを構築する方法は");
    expect(tokens.length).toBeGreaterThan(6);
  });
  it("folds half-width katakana and full-width Latin", () => {
    expect(wordTokens("ﾘﾗﾝｷﾝｸﾞ")).toEqual(wordTokens("リランキング"));
    expect(wordTokens("ＲＡＧ")).toEqual(["rag"]);
  });
  it("leaves English-only text exactly as before", () => {
    expect(wordTokens("Re-ranking 45 candidates")).toEqual(["re", "ranking", "45", "candidates"]);
  });
});
