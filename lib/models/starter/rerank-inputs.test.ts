import { describe, expect, it } from "vitest";
import { firstWordTokens } from "../lazy-tokens";
import { asciiFirstWordTokens } from "./rerank-inputs";

describe("asciiFirstWordTokens (the worker's fast path)", () => {
  it("equals firstWordTokens on ASCII text, for every keep", () => {
    let x = 12345;
    const rand = () => ((x = (Math.imul(x, 1103515245) + 12345) | 0) >>> 0) / 2 ** 32;
    const alphabet = "aZ09 _-.,;:!?'\"\t\n\r()[]{}<>/\\|@#$%^&*+=~`\u0000\u001fxyzQW";
    for (let n = 0; n < 300; n++) {
      const len = Math.floor(rand() * 200);
      let text = "";
      for (let i = 0; i < len; i++) text += alphabet[Math.floor(rand() * alphabet.length)];
      for (const keep of [0, 1, 5, 512]) expect(asciiFirstWordTokens(text, keep)).toEqual(firstWordTokens(text, keep));
    }
    const prose = "The Train to the COAST leaves every 15 minutes (platform 7b); it's 3.5km away. ".repeat(40);
    expect(asciiFirstWordTokens(prose, 504)).toEqual(firstWordTokens(prose, 504));
  });

  it("declines non-ASCII text (NFKC and Unicode letters take the general path)", () => {
    expect(asciiFirstWordTokens("café", 10)).toBeNull();
    expect(asciiFirstWordTokens("ｆｕｌｌ width", 10)).toBeNull();
    expect(asciiFirstWordTokens("東京 tokyo", 10)).toBeNull();
  });
});
