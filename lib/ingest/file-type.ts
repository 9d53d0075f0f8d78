// Which uploads RankLens accepts, and how a file name becomes a safe, displayable one.

import { IngestError } from "@/lib/errors";
import { isZip, readZipDirectory, type ZipEntry } from "./zip";

export type DocumentKind = "text" | "markdown" | "html" | "pdf" | "docx";

export const DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

export const DOCUMENT_MIME: Record<DocumentKind, string> = {
  text: "text/plain",
  markdown: "text/markdown",
  html: "text/html",
  pdf: "application/pdf",
  docx: DOCX_MIME,
};

export const DOCUMENT_EXTENSION: Record<DocumentKind, string> = {
  text: ".txt",
  markdown: ".md",
  html: ".html",
  pdf: ".pdf",
  docx: ".docx",
};

export const ALLOWED_EXTENSIONS = [".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"] as const;

const BY_EXTENSION: Record<string, DocumentKind> = {
  ".txt": "text",
  ".md": "markdown",
  ".markdown": "markdown",
  ".html": "html",
  ".htm": "html",
  ".pdf": "pdf",
  ".docx": "docx",
};

const BY_MIME: Record<string, DocumentKind> = {
  "text/plain": "text",
  "text/markdown": "markdown",
  "text/x-markdown": "markdown",
  "text/html": "html",
  "application/xhtml+xml": "html",
  "application/pdf": "pdf",
  [DOCX_MIME]: "docx",
};

/** ".md" for "notes.MD"; "" when the name has no extension-like suffix ("README", "J. Smith notes"). */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf(".");
  const ext = dot > 0 ? name.slice(dot).toLowerCase() : "";
  return /^\.[a-z0-9]{1,10}$/.test(ext) ? ext : "";
}

function mimeEssence(type: string | undefined): string {
  return (type ?? "").split(";")[0].trim().toLowerCase();
}

/**
 * The kind of document, from the file extension when it has one (browsers report .md as text/plain,
 * "" or text/markdown, so the name is more reliable), else from the MIME type. Null when unsupported:
 * a name with an unknown extension is rejected even if its MIME type looks like text.
 */
export function detectDocumentKind({ name, type }: { name: string; type?: string }): DocumentKind | null {
  const ext = extensionOf(name);
  if (ext) return BY_EXTENSION[ext] ?? null;
  return BY_MIME[mimeEssence(type)] ?? null;
}

/** What the bytes themselves are, from magic numbers; "text" when nothing binary is seen. */
export type SniffedContent =
  | { kind: "pdf" }
  | { kind: "docx"; entries: ZipEntry[] }
  | { kind: "zip" }
  | { kind: "binary"; what: string }
  | { kind: "text" };

const BINARY_MAGIC: [string, number[]][] = [
  ["a PNG image", [0x89, 0x50, 0x4e, 0x47]],
  ["a JPEG image", [0xff, 0xd8, 0xff]],
  ["a GIF image", [0x47, 0x49, 0x46, 0x38]],
  ["a gzip archive", [0x1f, 0x8b]],
  ["an executable", [0x7f, 0x45, 0x4c, 0x46]],
  ["an executable", [0x4d, 0x5a]],
  ["a legacy Word/Office file (.doc)", [0xd0, 0xcf, 0x11, 0xe0]],
];

export function sniffContent(bytes: Uint8Array): SniffedContent {
  // %PDF- at the start (after a BOM or whitespace at most): a text file that merely mentions "%PDF-"
  // stays text.
  const head = new TextDecoder("latin1").decode(bytes.subarray(0, 64));
  if (/^(?:\xef\xbb\xbf)?\s*%PDF-/.test(head)) return { kind: "pdf" };
  if (isZip(bytes)) {
    let entries: ZipEntry[] | null = null;
    try {
      entries = readZipDirectory(bytes);
    } catch {
      entries = null;
    }
    if (entries?.some((e) => e.name === "word/document.xml")) return { kind: "docx", entries };
    return { kind: "zip" };
  }
  for (const [what, magic] of BINARY_MAGIC) {
    if (magic.every((b, i) => bytes[i] === b)) return { kind: "binary", what };
  }
  if (bytes.includes(0)) return { kind: "binary", what: "it contains NUL bytes" };
  return { kind: "text" };
}

const SUPPORTED = "upload PDF, DOCX, plain text, Markdown or HTML";

/**
 * The kind of document from its name/type and its bytes. PDF and DOCX are recognised by content
 * whatever the name says (a PDF named .txt is read as a PDF); a file named .pdf/.docx whose bytes are
 * not one, a ZIP that is not a Word document, and binary content named as text are refused with a
 * clear IngestError.
 */
export function resolveDocumentKind({
  name,
  type,
  bytes,
}: {
  name: string;
  type?: string;
  bytes: Uint8Array;
}): DocumentKind {
  const claimed = detectDocumentKind({ name, type });
  const sniffed = sniffContent(bytes);
  if (sniffed.kind === "pdf" || sniffed.kind === "docx") return sniffed.kind;
  if (!claimed) {
    throw new IngestError(
      `Unsupported file type for "${name}"${type ? ` (${type})` : ""}: upload ${ALLOWED_EXTENSIONS.join(", ")} files.`,
    );
  }
  if (claimed === "pdf") throw new IngestError(`"${name}" is not a PDF (it does not start with %PDF-).`);
  if (sniffed.kind === "zip") {
    throw new IngestError(`"${name}" is a ZIP archive but not a Word document (no word/document.xml); ${SUPPORTED}.`);
  }
  if (claimed === "docx") {
    throw new IngestError(`"${name}" is not a DOCX file (it is not a ZIP archive holding word/document.xml).`);
  }
  if (sniffed.kind === "binary") {
    throw new IngestError(`"${name}" looks like a binary file (${sniffed.what}), not text; ${SUPPORTED}.`);
  }
  return claimed;
}

const MAX_NAME_LENGTH = 200;

/**
 * A file name safe to store and display: no directories, no control or bidi-override characters,
 * whitespace collapsed, at most 200 characters with the extension kept.
 */
export function sanitizeFileName(raw: string, fallback = "document"): string {
  const base = raw.split(/[/\\]/).pop() ?? "";
  let name = base
    .normalize("NFC")
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, " ")
    .replace(/\s+/gu, " ")
    .trim();
  if (/^\.+$/.test(name)) name = "";
  if (name === "") name = fallback;
  const chars = Array.from(name);
  if (chars.length > MAX_NAME_LENGTH) {
    const ext = extensionOf(name);
    const keep = ext && ext.length < 20 ? Array.from(ext).length : 0;
    name =
      chars
        .slice(0, MAX_NAME_LENGTH - keep - 1)
        .join("")
        .trimEnd() +
      "…" +
      chars.slice(chars.length - keep).join("");
  }
  return name;
}
