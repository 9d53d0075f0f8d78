import { describe, expect, it } from "vitest";
import { legacyEncoder } from "@/e2e/fixtures/legacy-encoding";
import { declaredHtmlCharset, IngestError, parseDocument } from "./parse";

// Known byte sequences: 日本語 in Shift_JIS and EUC-JP.
const NIHONGO_SJIS = [0x93, 0xfa, 0x96, 0x7b, 0x8c, 0xea];
const NIHONGO_EUC = [0xc6, 0xfc, 0xcb, 0xdc, 0xb8, 0xec];

// The encoders invert the platform's (WHATWG) decoders, the same ones the parser uses; the table is
// checked against the known bytes above.
const sjis = legacyEncoder("shift_jis");
const eucjp = legacyEncoder("euc-jp");

const JA =
  "霧灯港の潮鐘は、満ち潮の高さに合わせて鳴る青銅の鐘です。\n\n鐘守たちは毎朝、錫の升で海水を量ります。「潮が変わる」と漁師に知らせるためです！";

const parse = (name: string, bytes: Uint8Array, type = "") => parseDocument({ name, type, bytes });

describe("decoding Shift_JIS and EUC-JP uploads", () => {
  it("encodes the known byte sequences (test helper sanity check)", () => {
    expect([...sjis("日本語")]).toEqual(NIHONGO_SJIS);
    expect([...eucjp("日本語")]).toEqual(NIHONGO_EUC);
  });

  it("decodes 日本語 from real Shift_JIS and EUC-JP bytes", () => {
    expect(parse("a.txt", new Uint8Array(NIHONGO_SJIS)).text).toBe("日本語");
    expect(parse("b.txt", new Uint8Array(NIHONGO_EUC)).text).toBe("日本語");
  });

  it("decodes Japanese prose (kana, kanji, punctuation, ASCII) in either encoding", () => {
    const mixed = `${JA}\n\nRankLens は BM25 (k1 = 0.9) を使います。`;
    for (const encode of [sjis, eucjp]) {
      expect(parse("doc.txt", encode(mixed)).text).toBe(mixed);
      expect(parse("doc.md", encode(`# 潮鐘\n\n${JA}`)).text).toBe(`潮鐘\n\n${JA}`);
    }
  });

  it("still reads UTF-8 first, and the same text in UTF-8 gives the same result", () => {
    const utf8 = new TextEncoder().encode(JA);
    expect(parse("u.txt", utf8).text).toBe(JA);
    expect(parse("s.txt", sjis(JA)).text).toBe(parse("u.txt", utf8).text);
  });

  it("honours an HTML <meta charset> naming Shift_JIS or EUC-JP", () => {
    const page = (charset: string) =>
      `<html><head><meta charset="${charset}"><title>潮鐘</title></head><body><p>${JA}</p></body></html>`;
    expect(parse("s.html", sjis(page("Shift_JIS"))).text).toContain("霧灯港の潮鐘");
    expect(parse("e.html", eucjp(page("EUC-JP"))).text).toContain("鐘守たちは毎朝");
    const httpEquiv = `<meta http-equiv="Content-Type" content="text/html; charset=x-sjis"><p>${JA}</p>`;
    expect(parse("h.html", sjis(httpEquiv)).text).toContain("知らせるためです！");

    expect(declaredHtmlCharset(new TextEncoder().encode('<meta charset="windows-31j">'))).toBe("shift_jis");
    expect(declaredHtmlCharset(new TextEncoder().encode("<meta charset=euc-jp>"))).toBe("euc-jp");
    expect(declaredHtmlCharset(new TextEncoder().encode('<meta charset="utf-8">'))).toBeNull();
    expect(declaredHtmlCharset(new TextEncoder().encode("<p>no meta</p>"))).toBeNull();
  });

  it("uses the declared charset even where detection alone would be ambiguous", () => {
    // e0 a1 e0 a1 is kanji in both encodings (爍爍 / 燹燹).
    const body = [0xe0, 0xa1, 0xe0, 0xa1];
    const head = new TextEncoder().encode('<meta charset="euc-jp"><p>');
    expect(parse("x.html", new Uint8Array([...head, ...body])).text).toBe("燹燹");
    expect(() => parse("x.txt", new Uint8Array(body))).toThrow(/ambiguous.*Shift_JIS.*EUC-JP/);
  });

  it("rejects a declared Japanese charset that the bytes do not follow", () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('<meta charset="shift_jis"><p>'), 0x82, 0xff]);
    expect(() => parse("bad.html", bytes)).toThrow(/declares the Shift_JIS charset but is not valid Shift_JIS/);
  });

  it("rejects bytes that are neither UTF-8 nor Japanese, naming the encodings tried", () => {
    const latin1 = new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x20, 0x6f, 0x6b]); // "café ok" in Latin-1
    expect(() => parse("latin1.txt", latin1)).toThrow(IngestError);
    expect(() => parse("latin1.txt", latin1)).toThrow(/not valid UTF-8.*tried UTF-8, Shift_JIS and EUC-JP/);
    // Half-width katakana soup (EUC-JP hiragana bytes read as Shift_JIS would look like this) is not accepted.
    const halfwidth = new Uint8Array([0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0x20, 0xb6, 0xb7]);
    expect(() => parse("hw.txt", halfwidth)).toThrow(/Shift_JIS/);
  });
});
