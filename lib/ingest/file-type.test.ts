import { describe, expect, it } from "vitest";
import { detectDocumentKind, sanitizeFileName } from "./file-type";

describe("detectDocumentKind", () => {
  it("accepts the supported extensions whatever the browser says the type is", () => {
    expect(detectDocumentKind({ name: "a.txt", type: "" })).toBe("text");
    expect(detectDocumentKind({ name: "a.MD", type: "text/plain" })).toBe("markdown");
    expect(detectDocumentKind({ name: "a.markdown", type: "application/octet-stream" })).toBe("markdown");
    expect(detectDocumentKind({ name: "a.htm", type: "" })).toBe("html");
  });

  it("uses the MIME type only for names without an extension", () => {
    expect(detectDocumentKind({ name: "README", type: "text/markdown" })).toBe("markdown");
    expect(detectDocumentKind({ name: "a.exe", type: "text/plain" })).toBe(null);
    expect(detectDocumentKind({ name: "a.pdf", type: "text/plain" })).toBe("pdf");
    expect(detectDocumentKind({ name: "README", type: "image/png" })).toBe(null);
    expect(detectDocumentKind({ name: "J. Smith notes", type: "text/plain" })).toBe("text");
  });
});

describe("sanitizeFileName", () => {
  it("strips directories, control and bidi characters", () => {
    expect(sanitizeFileName("../../etc/passwd.txt")).toBe("passwd.txt");
    expect(sanitizeFileName("C:\\Users\\me\\notes.md")).toBe("notes.md");
    expect(sanitizeFileName("evil\u202Etxt.md")).toBe("evil txt.md");
    expect(sanitizeFileName("a\u0000b\nc\t.txt")).toBe("a b c .txt");
  });

  it("keeps displayable Unicode and collapses whitespace", () => {
    expect(sanitizeFileName("  Über   Grüße 日本.md  ")).toBe("Über Grüße 日本.md");
  });

  it("falls back for empty names and limits the length keeping the extension", () => {
    expect(sanitizeFileName("")).toBe("document");
    expect(sanitizeFileName("..")).toBe("document");
    const long = sanitizeFileName("x".repeat(500) + ".html");
    expect(Array.from(long).length).toBe(200);
    expect(long.endsWith("….html")).toBe(true);
  });
});
