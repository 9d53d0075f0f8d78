import { Parser } from "htmlparser2";
import { Lexer, type Token, type Tokens } from "marked";
import { IngestError } from "@/lib/errors";
import { ALLOWED_EXTENSIONS, detectDocumentKind, type DocumentKind } from "./file-type";

export { IngestError };

export interface ParseInput {
  name: string;
  /** MIME type as uploaded (may be empty). */
  type: string;
  bytes: Uint8Array;
}

export interface ParsedDocument {
  kind: DocumentKind;
  text: string;
}

/** Readable plain text of a .txt, .md or .html document. Throws IngestError with a clear message. */
export function parseDocument({ name, type, bytes }: ParseInput): ParsedDocument {
  const kind = detectDocumentKind({ name, type });
  if (!kind) {
    throw new IngestError(
      `Unsupported file type for "${name}"${type ? ` (${type})` : ""}: upload ${ALLOWED_EXTENSIONS.join(", ")} files.`,
    );
  }
  if (bytes.length === 0) throw new IngestError(`"${name}" is empty.`);
  const source = decodeUtf8(name, bytes);
  if (source.trim() === "") throw new IngestError(`"${name}" is empty (it contains only whitespace).`);

  const raw = kind === "html" ? htmlToText(source) : kind === "markdown" ? markdownToText(source) : source;
  const text = tidy(raw);
  if (text === "") throw new IngestError(`No extractable text in "${name}".`);
  return { kind, text };
}

function decodeUtf8(name: string, bytes: Uint8Array): string {
  if (bytes.includes(0)) {
    throw new IngestError(
      `"${name}" looks like a binary file (it contains NUL bytes); upload plain text, Markdown or HTML.`,
    );
  }
  try {
    // fatal: invalid sequences throw instead of becoming U+FFFD; a leading BOM is stripped.
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new IngestError(`"${name}" is not valid UTF-8 text; save it as UTF-8 and upload it again.`);
  }
}

/** Unix newlines, no trailing spaces, at most one blank line in a row, no leading/trailing blank lines. */
function tidy(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .replace(/[ \t\f\v\u00a0]+$/gm, "")
    .replace(/\n{3,}/g, "\n\n")
    .replace(/^\n+|\s+$/g, "");
}

// ---------------------------------------------------------------------------------------------- HTML

const SKIPPED = new Set([
  "script",
  "style",
  "head",
  "noscript",
  "template",
  "svg",
  "math",
  "iframe",
  "object",
  "canvas",
]);
const BLOCK = new Set([
  "address",
  "article",
  "aside",
  "blockquote",
  "body",
  "caption",
  "dd",
  "details",
  "dialog",
  "div",
  "dl",
  "dt",
  "fieldset",
  "figcaption",
  "figure",
  "footer",
  "form",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "header",
  "hgroup",
  "hr",
  "html",
  "legend",
  "li",
  "main",
  "nav",
  "ol",
  "p",
  "pre",
  "section",
  "summary",
  "table",
  "tbody",
  "td",
  "tfoot",
  "th",
  "thead",
  "tr",
  "ul",
]);
// Rows and list items end a line; other blocks end a paragraph.
const LINE_BLOCK = new Set(["li", "tr", "dt", "dd", "option"]);
const CELL = new Set(["td", "th"]);

export function htmlToText(html: string): string {
  const out: string[] = [];
  let skipDepth = 0;
  let preDepth = 0;
  // Pending separator strength before the next text: 0 none, 1 space, 2 newline, 3 blank line.
  let pending = 0;
  let started = false;

  const breakAt = (strength: number) => {
    if (strength > pending) pending = strength;
  };
  const write = (s: string) => {
    if (s === "") return;
    if (started) out.push(pending === 3 ? "\n\n" : pending === 2 ? "\n" : pending === 1 ? " " : "");
    out.push(s);
    started = true;
    pending = 0;
  };

  const parser = new Parser(
    {
      onopentag(name) {
        if (SKIPPED.has(name)) {
          skipDepth++;
          return;
        }
        if (skipDepth) return;
        if (name === "pre") preDepth++;
        if (name === "br") breakAt(2);
        else if (CELL.has(name)) breakAt(1);
        else if (LINE_BLOCK.has(name)) breakAt(2);
        else if (BLOCK.has(name)) breakAt(3);
      },
      onclosetag(name) {
        if (SKIPPED.has(name)) {
          skipDepth = Math.max(0, skipDepth - 1);
          return;
        }
        if (skipDepth) return;
        if (name === "pre") preDepth = Math.max(0, preDepth - 1);
        if (CELL.has(name)) breakAt(1);
        else if (LINE_BLOCK.has(name)) breakAt(2);
        else if (BLOCK.has(name)) breakAt(3);
      },
      ontext(data) {
        if (skipDepth) return;
        if (preDepth) {
          // Preformatted text keeps its lines; separators inside it are literal.
          const lines = data.replace(/\r\n?/g, "\n");
          if (lines.trim() === "" && !started) return;
          write(lines);
          return;
        }
        // Collapse HTML whitespace; a leading/trailing space becomes a pending separator.
        const collapsed = data.replace(/[ \t\n\r\f]+/g, " ");
        if (collapsed === " " || collapsed === "") {
          if (collapsed === " ") breakAt(1);
          return;
        }
        if (collapsed.startsWith(" ")) breakAt(1);
        write(collapsed.trim());
        if (collapsed.endsWith(" ")) breakAt(1);
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.write(html);
  parser.end();
  return out.join("");
}

// ------------------------------------------------------------------------------------------ Markdown

export function markdownToText(markdown: string): string {
  const tokens = new Lexer({ gfm: true }).lex(markdown.replace(/\r\n?/g, "\n"));
  return blocks(tokens).join("\n\n");
}

function blocks(tokens: Token[]): string[] {
  const out: string[] = [];
  for (const token of tokens) {
    const text = block(token);
    if (text.trim() !== "") out.push(text);
  }
  return out;
}

function block(token: Token): string {
  switch (token.type) {
    case "space":
    case "hr":
    case "def":
      return "";
    case "heading":
    case "paragraph":
      return inline((token as Tokens.Heading | Tokens.Paragraph).tokens);
    case "text": {
      const t = token as Tokens.Text;
      return t.tokens ? inline(t.tokens) : decodeEntities(t.text);
    }
    case "code":
      return (token as Tokens.Code).text;
    case "blockquote":
      return blocks((token as Tokens.Blockquote).tokens).join("\n\n");
    case "list":
      return list(token as Tokens.List);
    case "table": {
      const t = token as Tokens.Table;
      const row = (cells: Tokens.TableCell[]) => cells.map((c) => inline(c.tokens).trim()).join(" | ");
      return [row(t.header), ...t.rows.map(row)].join("\n");
    }
    case "html":
      return htmlToText((token as Tokens.HTML).text);
    default: {
      const t = token as { tokens?: Token[]; text?: string };
      return t.tokens ? inline(t.tokens) : (t.text ?? "");
    }
  }
}

function list(token: Tokens.List): string {
  const start = typeof token.start === "number" ? token.start : 1;
  return token.items
    .map((item, i) => {
      const marker = token.ordered ? `${start + i}. ` : "- ";
      const body = blocks(item.tokens).join(item.loose ? "\n\n" : "\n");
      return marker + body.replace(/\n/g, "\n  ");
    })
    .join("\n");
}

function inline(tokens: Token[] | undefined): string {
  if (!tokens) return "";
  let out = "";
  for (const token of tokens) {
    switch (token.type) {
      case "text": {
        const t = token as Tokens.Text;
        out += t.tokens ? inline(t.tokens) : decodeEntities(t.text);
        break;
      }
      case "escape":
      case "codespan":
        out += (token as Tokens.Escape | Tokens.Codespan).text;
        break;
      case "br":
        out += "\n";
        break;
      case "image":
        out += (token as Tokens.Image).text;
        break;
      case "html": {
        const raw = (token as Tokens.HTML).text;
        out += /^<br\s*\/?>$/i.test(raw.trim()) ? "\n" : htmlToText(raw);
        break;
      }
      default: {
        const t = token as { tokens?: Token[]; text?: string };
        out += t.tokens ? inline(t.tokens) : decodeEntities(t.text ?? "");
      }
    }
  }
  return out;
}

/** Decode HTML character references (&amp; &#39; …) that Markdown passes through as text. */
function decodeEntities(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(/&(?:#\d+|#x[0-9a-f]+|[a-z][a-z0-9]*);/gi, (entity) => htmlToText(entity) || entity);
}
