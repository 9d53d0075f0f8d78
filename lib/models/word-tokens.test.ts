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
