import { describe, expect, it } from "vitest";
import { chunkText, type Chunk } from "./chunker";
import { countTokens, tokenize } from "./tokens";

function sentence(i: number) {
  return `Sentence number ${i} talks about topic ${i % 7} in some detail.`; // 11 tokens
}

function paragraphs(count: number, sentencesEach: number) {
  const out: string[] = [];
  let k = 0;
  for (let p = 0; p < count; p++) {
    const s: string[] = [];
    for (let j = 0; j < sentencesEach; j++) s.push(sentence(k++));
    out.push(s.join(" "));
  }
  return out.join("\n\n");
}

function checkInvariants(text: string, chunks: Chunk[], size: number) {
  chunks.forEach((c, i) => {
    expect(c.position).toBe(i);
    expect(c.text).toBe(text.slice(c.charStart, c.charEnd));
    expect(c.tokenCount).toBe(countTokens(c.text));
    expect(c.tokenCount).toBeGreaterThan(0);
    expect(c.tokenCount).toBeLessThanOrEqual(size);
    expect(c.text).toBe(c.text.trim());
    if (i > 0) {
      expect(c.charStart).toBeGreaterThan(chunks[i - 1].charStart);
      expect(c.charEnd).toBeGreaterThan(chunks[i - 1].charEnd);
    }
  });
  // Every token of the source is in some chunk.
  const tokens = tokenize(text);
  if (tokens.length) {
    expect(chunks[0].charStart).toBe(tokens[0].start);
    expect(chunks.at(-1)!.charEnd).toBe(tokens.at(-1)!.end);
    for (let i = 1; i < chunks.length; i++) {
      const next = tokens.find((t) => t.start >= chunks[i - 1].charEnd)!;
      expect(chunks[i].charStart).toBeLessThanOrEqual(next.start);
    }
  }
}

describe("chunkText", () => {
  it("returns no chunks for empty or whitespace-only text", () => {
    expect(chunkText("")).toEqual([]);
    expect(chunkText(" \n\n\t ")).toEqual([]);
  });

  it("returns one chunk for a short text, trimmed, with exact offsets", () => {
    const text = "\n\n  A short note.  \n";
    const [chunk, ...rest] = chunkText(text);
    expect(rest).toEqual([]);
    expect(chunk).toEqual({ position: 0, text: "A short note.", charStart: 4, charEnd: 17, tokenCount: 4 });
  });

  it("keeps order, offsets and size bounds on a long document", () => {
    const text = paragraphs(40, 6);
    for (const [size, overlap] of [
      [100, 0],
      [100, 20],
      [400, 50],
      [600, 150],
    ]) {
      const chunks = chunkText(text, { size, overlap });
      expect(chunks.length).toBeGreaterThan(1);
      checkInvariants(text, chunks, size);
    }
  });

  it("prefers paragraph breaks: paragraphs that fit are never split", () => {
    const text = paragraphs(12, 3); // 33 tokens per paragraph
    const chunks = chunkText(text, { size: 100, overlap: 0 });
    for (const c of chunks) {
      expect(text.slice(c.charEnd, c.charEnd + 2) === "\n\n" || c.charEnd === text.length).toBe(true);
      expect(c.tokenCount).toBe(99); // three whole paragraphs
    }
  });

  it("falls back to sentences inside a paragraph that is too long", () => {
    const text = paragraphs(1, 30); // one paragraph of 330 tokens
    const chunks = chunkText(text, { size: 100, overlap: 0 });
    checkInvariants(text, chunks, 100);
    for (const c of chunks) expect(c.text.endsWith(".")).toBe(true);
    expect(chunks.map((c) => c.text).join(" ")).toBe(text);
  });

  it("falls back to lines, then words, then tokens", () => {
    const lines = Array.from({ length: 50 }, (_, i) => `line ${i} has words`).join("\n");
    const byLine = chunkText(lines, { size: 100, overlap: 0 });
    checkInvariants(lines, byLine, 100);
    for (const c of byLine) expect(c.text.endsWith("words")).toBe(true);

    const words = Array.from({ length: 450 }, (_, i) => `w${i}`).join(" ");
    const byWord = chunkText(words, { size: 100, overlap: 0 });
    checkInvariants(words, byWord, 100);
    expect(byWord.map((c) => c.tokenCount)).toEqual([100, 100, 100, 100, 50]);

    const glued = Array.from({ length: 250 }, () => "a").join("."); // 499 tokens, no spaces
    const byToken = chunkText(glued, { size: 100, overlap: 0 });
    checkInvariants(glued, byToken, 100);
    expect(byToken.map((c) => c.text).join("")).toBe(glued);
  });

  it("overlaps about `overlap` tokens from the end of the previous chunk, starting at a word", () => {
    const text = Array.from({ length: 1000 }, (_, i) => `w${i}`).join(" ");
    const chunks = chunkText(text, { size: 200, overlap: 50 });
    checkInvariants(text, chunks, 200);
    for (let i = 1; i < chunks.length; i++) {
      const shared = text.slice(chunks[i].charStart, chunks[i - 1].charEnd);
      const n = countTokens(shared);
      expect(n).toBeGreaterThanOrEqual(25);
      expect(n).toBeLessThanOrEqual(50);
      expect(/\s/.test(text[chunks[i].charStart - 1])).toBe(true);
    }
  });

  it("makes progress when a short paragraph precedes a huge one (no repeated chunks)", () => {
    const text = "Intro line.\n\n" + Array.from({ length: 800 }, (_, i) => `x${i}`).join(" ");
    const chunks = chunkText(text, { size: 100, overlap: 50 });
    checkInvariants(text, chunks, 100);
    expect(chunks.length).toBeLessThan(20);
  });

  it("chunks CJK text by characters and sentence marks", () => {
    const text = "これは日本語の文です。".repeat(40);
    const chunks = chunkText(text, { size: 100, overlap: 10 });
    checkInvariants(text, chunks, 100);
    expect(chunks[0].text.endsWith("。")).toBe(true);
  });

  it("rejects invalid sizes and overlaps with a clear error", () => {
    expect(() => chunkText("x", { size: 99 })).toThrow(/between 100 and 600/);
    expect(() => chunkText("x", { size: 601 })).toThrow(/between 100 and 600/);
    expect(() => chunkText("x", { size: 100.5 })).toThrow(/integer/);
    expect(() => chunkText("x", { size: 100, overlap: 100 })).toThrow(/overlap/);
    expect(() => chunkText("x", { size: 100, overlap: -1 })).toThrow(/overlap/);
  });

  it("defaults to 400 tokens with 50 overlap", () => {
    const text = Array.from({ length: 2000 }, (_, i) => `w${i}`).join(" ");
    const chunks = chunkText(text);
    expect(chunks[0].tokenCount).toBe(400);
    expect(countTokens(text.slice(chunks[1].charStart, chunks[0].charEnd))).toBe(50);
  });
});
