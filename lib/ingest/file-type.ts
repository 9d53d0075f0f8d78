// Which uploads RankLens accepts, and how a file name becomes a safe, displayable one.

export type DocumentKind = "text" | "markdown" | "html";

export const DOCUMENT_MIME: Record<DocumentKind, string> = {
  text: "text/plain",
  markdown: "text/markdown",
  html: "text/html",
};

export const ALLOWED_EXTENSIONS = [".txt", ".md", ".markdown", ".html", ".htm"] as const;

const BY_EXTENSION: Record<string, DocumentKind> = {
  ".txt": "text",
  ".md": "markdown",
  ".markdown": "markdown",
  ".html": "html",
  ".htm": "html",
};

const BY_MIME: Record<string, DocumentKind> = {
  "text/plain": "text",
  "text/markdown": "markdown",
  "text/x-markdown": "markdown",
  "text/html": "html",
  "application/xhtml+xml": "html",
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
