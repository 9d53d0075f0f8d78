import { describe, expect, it } from "vitest";
import { firstWordTokens } from "./lazy-tokens";
import { wordTokens } from "./word-tokens";

describe("firstWordTokens (lazy tokenisation)", () => {
  it("gives wordTokens' tokens for long mixed text, keeping only the first few", () => {
    const unit =
      "Ｆｕｌｌ-width ＡＢＣ and café naïve, 東京都に住んでいます。カタカナーと漢字。 ﬁne ㎏ e\u0301 numbers 3.14 x ";
    const text = unit.repeat(2000) + "z".repeat(40_000) + " tail words";
    const all = wordTokens(text);
    const { tokens, total } = firstWordTokens(text, 500);
    expect(total).toBe(all.length);
    expect(tokens).toEqual(all.slice(0, 500));
    expect(firstWordTokens(text, 10 ** 9).tokens).toEqual(all);
  });

  it("counts a 5 MB passage without keeping its tokens", () => {
    const text = "lorem ipsum dolor sit amet ".repeat(200_000); // 5.4 MB, 1 000 000 words
    const { tokens, total } = firstWordTokens(text, 480);
    expect(tokens).toHaveLength(480);
    expect(total).toBe(1_000_000);
  });
});
