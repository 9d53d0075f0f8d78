import { IngestError } from "@/lib/errors";
import { checkZipLimits, readZipDirectory, verifyZipEntries, ZIP_LIMITS } from "./zip";

// DOCX through mammoth's raw text extraction (paragraphs separated by blank lines). Before mammoth (whose
// JSZip inflates entries whole, trusting the archive) sees the bytes, the archive's directory is
// checked against ZIP_LIMITS and every entry is inflated once with its output capped at its declared
// size (zip.ts): a zip bomb is refused with bounded memory and work.

export async function extractDocxText(name: string, bytes: Uint8Array, limits = ZIP_LIMITS): Promise<string> {
  let entries;
  try {
    entries = readZipDirectory(bytes);
  } catch (error) {
    throw prefixed(name, error);
  }
  if (!entries)
    throw new IngestError(`"${name}" is not a readable DOCX file (its ZIP directory is missing or corrupt).`);
  if (!entries.some((e) => e.name === "word/document.xml")) {
    throw new IngestError(`"${name}" is not a Word document (no word/document.xml).`);
  }
  try {
    checkZipLimits(entries, limits);
    verifyZipEntries(bytes, entries);
  } catch (error) {
    throw prefixed(name, error);
  }
  const mammoth = await import("mammoth");
  try {
    const result = await mammoth.extractRawText({
      buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    });
    return result.value;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new IngestError(`"${name}" is not a readable DOCX file: ${detail}`, { cause: error });
  }
}

function prefixed(name: string, error: unknown) {
  if (error instanceof IngestError) return new IngestError(`"${name}": ${error.message}`, { cause: error });
  return error;
}
