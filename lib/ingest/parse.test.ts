import { describe, expect, it } from "vitest";
import { IngestError } from "@/lib/errors";
import { parseDocument } from "./parse";

const enc = (s: string) => new TextEncoder().encode(s);
const parse = (name: string, content: string | Uint8Array, type = "") =>
  parseDocument({ name, type, bytes: typeof content === "string" ? enc(content) : content });

describe("parseDocument", () => {
  it("reads plain text, normalising newlines and stripping a BOM", () => {
    const { kind, text } = parse("notes.txt", "\uFEFFFirst line\r\nsecond line   \r\n\r\n\r\n\r\nNext paragraph\n\n");
    expect(kind).toBe("text");
    expect(text).toBe("First line\nsecond line\n\nNext paragraph");
  });

  it("keeps non-ASCII text intact", () => {
    expect(parse("u.txt", "Grüße, 世界 🎉").text).toBe("Grüße, 世界 🎉");
  });

  it("turns Markdown into plain text keeping headings, paragraphs and list items", () => {
    const md = [
      "# Title &amp; more",
      "",
      "Some *emphasis*, **bold**, `code` and a [link](https://example.com). It&#39;s \\*fine\\*.",
      "",
      "- first item",
      "- second item",
      "",
      "3. three",
      "4. four",
      "",
      "> quoted text",
      "",
      "```js",
      "const x = 1;",
      "```",
      "",
      "| a | b |",
      "|---|---|",
      "| 1 | 2 |",
      "",
      "![alt text](img.png) <b>inline html</b>",
    ].join("\n");
    const { kind, text } = parse("doc.md", md);
    expect(kind).toBe("markdown");
    expect(text).toBe(
      [
        "Title & more",
        "",
        "Some emphasis, bold, code and a link. It's *fine*.",
        "",
        "- first item\n- second item",
        "",
        "3. three\n4. four",
        "",
        "quoted text",
        "",
        "const x = 1;",
        "",
        "a | b\n1 | 2",
        "",
        "alt text inline html",
      ].join("\n"),
    );
  });

  it("turns HTML into readable text: drops head/script/style, blocks become paragraphs, entities decoded", () => {
    const html = `<!doctype html><html><head><title>T</title><style>p{color:red}</style></head>
      <body><script>alert("x")</script>
      <h1>Heading</h1>
      <p>First   paragraph
         with <b>bold</b> &amp; <a href="#">a link</a>.</p>
      <div>Second<br>line</div>
      <ul><li>one</li><li>two</li></ul>
      <table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>
      <pre>  keep
    spacing</pre>
      <p>caf&eacute; &lt;tag&gt; &#8212; end</p></body></html>`;
    const { kind, text } = parse("page.html", html);
    expect(kind).toBe("html");
    expect(text).toBe(
      [
        "Heading",
        "",
        "First paragraph with bold & a link.",
        "",
        "Second\nline",
        "",
        "one\ntwo",
        "",
        "a b\nc d",
        "",
        "  keep\n    spacing",
        "",
        "café <tag> — end",
      ].join("\n"),
    );
  });

  it("detects the type by extension first, then MIME type", () => {
    expect(parse("page.HTM", "<p>x</p>").kind).toBe("html");
    expect(parse("readme.markdown", "# x", "text/plain").kind).toBe("markdown");
    expect(parse("noext", "<p>hi</p>", "text/html; charset=utf-8").text).toBe("hi");
    expect(parse("noext", "plain", "text/plain").kind).toBe("text");
  });

  it("rejects unsupported types", () => {
    expect(() => parse("data.csv", "a,b", "text/plain")).toThrow(IngestError);
    expect(() => parse("paper.pdf", "not a pdf", "application/pdf")).toThrow(/not a PDF/);
    expect(() => parse("data.csv", "a,b", "text/plain")).toThrow(/Unsupported/);
    expect(() => parse("noext", "x", "")).toThrow(/Unsupported/);
  });

  it("rejects invalid UTF-8", () => {
    const latin1 = new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x20, 0x6f, 0x6b]); // "café ok" in Latin-1
    expect(() => parse("latin1.txt", latin1)).toThrow(/not valid UTF-8/);
  });

  it("rejects binary content", () => {
    const bytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0x00, 0x0d]);
    expect(() => parse("image.txt", bytes)).toThrow(/binary/);
    expect(() => parse("nul.txt", "text\u0000more")).toThrow(/binary/);
  });

  it("rejects empty documents and documents without text", () => {
    expect(() => parse("empty.txt", new Uint8Array())).toThrow(/empty/);
    expect(() => parse("blank.md", " \n\t\n")).toThrow(/empty/);
    expect(() => parse("bom.txt", "\uFEFF")).toThrow(/empty/);
    expect(() => parse("script.html", "<script>var a = 1;</script><style>p{}</style>")).toThrow(/No extractable text/);
    expect(() => parse("rule.md", "---\n")).toThrow(/No extractable text/);
  });
});
