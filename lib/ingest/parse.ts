import { Parser } from "htmlparser2";
import { Lexer, type Token, type Tokens } from "marked";
import { IngestError } from "@/lib/errors";
import { extractDocxText } from "./docx";
import { resolveDocumentKind, type DocumentKind } from "./file-type";
import { extractPdfPages, joinPdfPages, PAGE_BREAK } from "./pdf";

export { IngestError };
export { pageAt, PAGE_BREAK } from "./pdf";

export interface ParseInput {
  name: string;
  /** MIME type as uploaded (may be empty). */
  type: string;
  bytes: Uint8Array;
}

export interface ParsedDocument {
  kind: DocumentKind;
  /** Plain text; a PDF's pages are separated by PAGE_BREAK ("\f"), see pageAt. */
  text: string;
}

/**
 * Readable plain text of any supported document (PDF, DOCX, text, Markdown, HTML), the type detected
 * from the bytes as well as the name. Throws IngestError with a clear message.
 */
export async function extractDocument({ name, type, bytes }: ParseInput): Promise<ParsedDocument> {
  if (bytes.length === 0) throw new IngestError(`"${name}" is empty.`);
  const kind = resolveDocumentKind({ name, type, bytes });
  if (kind === "pdf") {
    const pages = await extractPdfPages(name, bytes);
    const text = joinPdfPages(pages, tidy);
    if (text.replaceAll(PAGE_BREAK, "").trim() === "") {
      throw new IngestError(
        `"${name}" has no text layer (scanned document): none of its ${pages.length} page${pages.length === 1 ? "" : "s"} has extractable text. Run OCR on it and upload the result.`,
      );
    }
    return { kind, text };
  }
  if (kind === "docx") {
    const text = tidy(await extractDocxText(name, bytes));
    if (text === "") throw new IngestError(`No extractable text in "${name}".`);
    return { kind, text };
  }
  return parseDocument({ name, type, bytes });
}

/** Readable plain text of a .txt, .md or .html document. Throws IngestError with a clear message. */
export function parseDocument({ name, type, bytes }: ParseInput): ParsedDocument {
  const kind = resolveDocumentKind({ name, type, bytes });
  if (kind === "pdf" || kind === "docx") {
    throw new IngestError(`"${name}" is a ${kind.toUpperCase()} document; parse it with extractDocument.`);
  }
  if (bytes.length === 0) throw new IngestError(`"${name}" is empty.`);
  const source = decodeText(name, bytes, kind);
  if (source.trim() === "") throw new IngestError(`"${name}" is empty (it contains only whitespace).`);

  const raw = kind === "html" ? htmlToText(source) : kind === "markdown" ? markdownToText(source) : source;
  const text = tidy(raw.replaceAll(PAGE_BREAK, "\n"));
  if (text === "") throw new IngestError(`No extractable text in "${name}".`);
  return { kind, text };
}

const JAPANESE_ENCODINGS = ["shift_jis", "euc-jp"] as const;
type JapaneseEncoding = (typeof JAPANESE_ENCODINGS)[number];
const ENCODING_NAME: Record<JapaneseEncoding, string> = { shift_jis: "Shift_JIS", "euc-jp": "EUC-JP" };
const TRIED = "tried UTF-8, Shift_JIS and EUC-JP";

/**
 * The text of an upload: strict UTF-8 first; then an HTML `<meta charset>` naming Shift_JIS or EUC-JP is
 * honoured; otherwise non-UTF-8 bytes are decoded strictly as Shift_JIS and as EUC-JP, and the decoding
 * that yields Japanese (kana, kanji, Japanese punctuation) is kept. Anything else is rejected with a
 * message naming the encodings tried.
 */
export function decodeText(name: string, bytes: Uint8Array, kind?: DocumentKind): string {
  if (bytes.includes(0)) {
    throw new IngestError(
      `"${name}" looks like a binary file (it contains NUL bytes); upload plain text, Markdown or HTML.`,
    );
  }
  // fatal: invalid sequences throw instead of becoming U+FFFD; a leading BOM is stripped. Japanese text
  // in Shift_JIS or EUC-JP is practically never valid UTF-8, so valid UTF-8 wins over a declaration.
  const utf8 = decodeStrict("utf-8", bytes);
  if (utf8 !== null) return utf8;
  const declared = kind === "html" ? declaredHtmlCharset(bytes) : null;
  if (declared) {
    const text = decodeStrict(declared, bytes);
    if (text !== null) return text;
    throw new IngestError(
      `"${name}" declares the ${ENCODING_NAME[declared]} charset but is not valid ${ENCODING_NAME[declared]} (nor UTF-8); save it as UTF-8 and upload it again.`,
    );
  }

  const candidates = JAPANESE_ENCODINGS.flatMap((encoding) => {
    const text = decodeStrict(encoding, bytes);
    return text === null ? [] : [{ encoding, text, score: japaneseScore(text) }];
  }).filter((c) => c.score.plausible);
  candidates.sort((a, b) => b.score.value - a.score.value);
  if (candidates.length === 0) {
    throw new IngestError(
      `"${name}" is not valid UTF-8 text, nor Japanese text in Shift_JIS or EUC-JP (${TRIED}); save it as UTF-8 and upload it again.`,
    );
  }
  if (candidates.length > 1 && candidates[0].score.value - candidates[1].score.value < 0.1) {
    throw new IngestError(
      `"${name}" is not valid UTF-8 text, and its encoding is ambiguous: it reads as both Shift_JIS and EUC-JP (${TRIED}); save it as UTF-8 and upload it again.`,
    );
  }
  return candidates[0].text;
}

function decodeStrict(encoding: string, bytes: Uint8Array): string | null {
  try {
    return new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** Shift_JIS or EUC-JP when the first 1024 bytes declare it (`<meta charset>` or http-equiv content). */
export function declaredHtmlCharset(bytes: Uint8Array): JapaneseEncoding | null {
  // The head is ASCII in every one of these encodings, so a Latin-1 view of it is enough to find the tag.
  const head = new TextDecoder("latin1").decode(bytes.subarray(0, 1024));
  const m = /<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([\w.:-]+)/i.exec(head);
  if (!m) return null;
  let encoding: string;
  try {
    // The WHATWG label table: sjis, windows-31j, x-sjis, ms932… → shift_jis; x-euc-jp → euc-jp.
    encoding = new TextDecoder(m[1].toLowerCase()).encoding;
  } catch {
    return null;
  }
  return (JAPANESE_ENCODINGS as readonly string[]).includes(encoding) ? (encoding as JapaneseEncoding) : null;
}

const KANA = /[\p{Script=Hiragana}\p{Script=Katakana}\u30fc]/u;
const HALFWIDTH_KANA = /[\uff61-\uff9f]/u;
const JAPANESE = /[\p{Script=Han}\u3000-\u303f\uff01-\uff5e\u30fb]/u;
// JIS X 0208 row 1–2 symbols (※ → ○ ① ℃ ─ …): neither for nor against Japanese.
const NEUTRAL = /[\u00a7\u00a8\u00b0\u00b1\u00b4\u00b6\u00d7\u00f7\u2010-\u2312\u2460-\u27bf\uffe0-\uffe5]/u;

/**
 * How Japanese a decoding looks: the share of its non-ASCII characters that are kana, kanji or Japanese
 * punctuation, with kana weighing most (a wrong decoding of Japanese bytes gives half-width kana, private
 * use characters, rare kanji or other scripts; it practically never gives hiragana).
 */
function japaneseScore(text: string): { plausible: boolean; value: number } {
  let kana = 0;
  let japanese = 0;
  let other = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code < 0x80) continue;
    if (HALFWIDTH_KANA.test(ch)) other++;
    else if (KANA.test(ch)) kana++;
    else if (JAPANESE.test(ch)) japanese++;
    else if (!NEUTRAL.test(ch)) other++;
  }
  const counted = kana + japanese + other;
  if (counted === 0) return { plausible: false, value: 0 };
  const good = (kana + japanese) / counted;
  return { plausible: good >= 0.9, value: good + 0.5 * (kana / counted) };
}

/** Unix newlines, no trailing spaces, at most one blank line in a row, no leading/trailing blank lines. */
function tidy(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .replace(/[ \t\v\u00a0]+$/gm, "")
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
