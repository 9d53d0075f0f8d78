import { describe, expect, it } from "vitest";
import { chunkText } from "./chunker";
import { extractDocxText } from "./docx";
import { resolveDocumentKind, sniffContent } from "./file-type";
import { extractDocument, IngestError, pageAt, PAGE_BREAK } from "./parse";
import { documentXml, makeDocx, makePdf, makeZip } from "./testing/fixtures";
import { checkZipLimits, readZipDirectory } from "./zip";

const enc = (s: string) => new TextEncoder().encode(s);
const extract = (name: string, bytes: Uint8Array, type = "") => extractDocument({ name, type, bytes });

async function failure(promise: Promise<unknown>): Promise<IngestError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(IngestError);
    return error as IngestError;
  }
  throw new Error("expected an IngestError");
}

describe("PDF", () => {
  it("extracts the text layer page by page, pages separated by a form feed", async () => {
    const pdf = makePdf([["Tidal clocks of Quillmarsh.", "They ring twice."], ["Second page here."], ["Page three."]]);
    const { kind, text } = await extract("clocks.pdf", pdf, "application/pdf");
    expect(kind).toBe("pdf");
    expect(text).toBe("Tidal clocks of Quillmarsh.\nThey ring twice.\fSecond page here.\fPage three.");
    expect(pageAt(text, 0)).toBe(1);
    expect(pageAt(text, text.indexOf("Second"))).toBe(2);
    expect(pageAt(text, text.indexOf("three"))).toBe(3);
  });

  it("keeps page numbers across pages without text", async () => {
    const { text } = await extract("gap.pdf", makePdf([["One."], null, ["Three."]]));
    expect(text.split(PAGE_BREAK)).toEqual(["One.", "", "Three."]);
    expect(pageAt(text, text.indexOf("Three"))).toBe(3);
  });

  it("reads a PDF named .txt as a PDF (type from content)", async () => {
    const { kind, text } = await extract("really-a-pdf.txt", makePdf([["Hidden PDF."]]), "text/plain");
    expect([kind, text]).toEqual(["pdf", "Hidden PDF."]);
  });

  it("refuses a PDF without a text layer as a scanned document", async () => {
    const err = await failure(extract("scan.pdf", makePdf([null, null])));
    expect(err.message).toMatch(/no text layer \(scanned document\)/);
    expect(err.message).toMatch(/2 pages/);
  });

  it("refuses a corrupt or truncated PDF clearly", async () => {
    const err = await failure(extract("broken.pdf", enc("%PDF-1.7\nthis is not a pdf body at all")));
    expect(err.message).toMatch(/"broken.pdf" is not a readable PDF/);
    const full = makePdf([["Some text."]]);
    const truncated = await failure(extract("cut.pdf", full.subarray(0, 40)));
    expect(truncated.message).toMatch(/not a readable PDF|no text layer/);
  });

  it("refuses a file named .pdf that is not one", async () => {
    const err = await failure(extract("fake.pdf", enc("hello"), "application/pdf"));
    expect(err.message).toBe('"fake.pdf" is not a PDF (it does not start with %PDF-).');
  });
});

describe("pageAt and the chunker", () => {
  it("counts form feeds before the offset", () => {
    const text = "a\fbb\f\fc";
    expect([0, 1, 2, 4, 5, 6, 7, 100].map((o) => pageAt(text, o))).toEqual([1, 1, 2, 2, 3, 4, 4, 4]);
  });

  it("breaks chunks at page boundaries like at paragraphs", () => {
    const page = (p: number) => Array.from({ length: 70 }, (_, i) => `p${p}w${i}`).join(" ");
    const text = [page(1), page(2), page(3)].join(PAGE_BREAK);
    const chunks = chunkText(text, { size: 100, overlap: 0 });
    expect(chunks.map((c) => pageAt(text, c.charStart))).toEqual([1, 2, 3]);
    for (const c of chunks) expect(c.text.includes(PAGE_BREAK)).toBe(false);
  });
});

describe("DOCX", () => {
  it("extracts paragraphs as text", async () => {
    const docx = makeDocx(["Glasswing moths of Veltrane.", "They fly at dusk & dawn."]);
    const { kind, text } = await extract("moths.docx", docx);
    expect(kind).toBe("docx");
    expect(text).toBe("Glasswing moths of Veltrane.\n\nThey fly at dusk & dawn.");
  });

  it("detects a DOCX by content: ZIP + word/document.xml", () => {
    expect(sniffContent(makeDocx(["x"])).kind).toBe("docx");
    expect(sniffContent(makeZip([{ name: "a.txt", data: "x" }])).kind).toBe("zip");
    expect(resolveDocumentKind({ name: "letter", bytes: makeDocx(["x"]) })).toBe("docx");
    expect(() => resolveDocumentKind({ name: "a.docx", bytes: makeZip([{ name: "a.txt", data: "x" }]) })).toThrow(
      /not a Word document/,
    );
    expect(() => resolveDocumentKind({ name: "a.docx", bytes: enc("plain") })).toThrow(/not a DOCX file/);
  });

  it("refuses a zip bomb by its directory's declared sizes before inflating", async () => {
    // The directory claims 3 GB for document.xml: refused without reading the data.
    const bomb = makeDocx([], [{ name: "word/media/huge.bin", data: "x", store: true, claimedSize: 3_000_000_000 }]);
    const err = await failure(extract("bomb.docx", bomb));
    expect(err.message).toMatch(/refused as a zip bomb/);

    // Highly compressible: 150 MB of zeros per entry deflate to about 150 KB, a ratio near 1000.
    const zeros = new Uint8Array(20 * 1024 * 1024);
    const ratio = await failure(extract("ratio.docx", makeDocx(["x"], [{ name: "word/media/z.bin", data: zeros }])));
    expect(ratio.message).toMatch(/expands more than 100 times; refused as a zip bomb/);
  });

  it("refuses an archive with too many entries", () => {
    const entries = readZipDirectory(makeDocx(["x"]))!;
    expect(() => checkZipLimits(entries, { maxEntries: 2, maxUncompressedBytes: 1e9, maxRatio: 100 })).toThrow(
      /3 entries \(at most 2\)/,
    );
  });

  it("refuses an entry that inflates to more than its directory says", async () => {
    const lying = makeZip([{ name: "word/document.xml", data: documentXml(["a".repeat(5000)]), claimedSize: 100 }]);
    const err = await failure(extractDocxText("liar.docx", lying));
    expect(err.message).toMatch(/larger than its directory says; refused as a zip bomb/);
  });

  it("refuses a corrupt DOCX clearly", async () => {
    const docx = makeDocx(["Some text."]);
    const err = await failure(extract("cut.docx", docx.subarray(0, docx.length - 30)));
    expect(err.message).toMatch(/not a Word document|not a readable DOCX|corrupt/);
    const badXml = makeZip([{ name: "word/document.xml", data: "<w:document><w:body><w:p>" }]);
    expect((await failure(extract("bad.docx", badXml))).message).toMatch(/cut|bad\.docx/);
  });
});

describe("binary content", () => {
  it("refuses a binary renamed .txt with a clear message", async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    expect((await failure(extract("photo.txt", png))).message).toMatch(
      /"photo.txt" looks like a binary file \(a PNG image\), not text/,
    );
    const elf = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
    expect((await failure(extract("notes.md", elf))).message).toMatch(/looks like a binary file \(an executable\)/);
    expect((await failure(extract("x.txt", enc("a\u0000b")))).message).toMatch(/binary file \(it contains NUL bytes\)/);
  });

  it("keeps text that merely mentions %PDF- as text", async () => {
    const { kind } = await extract("about.md", enc("# PDF\n\nA PDF starts with %PDF-1.7."));
    expect(kind).toBe("markdown");
  });
});
