import { DOCX_MIME } from "../file-type";
import { makeDocx, makePdf } from "./fixtures";

// A synthetic mixed corpus for the ingestion benchmark (scripts/bench-ingest.ts): TXT, Markdown, HTML,
// PDF and DOCX files of about `fileBytes` each, the same share of bytes per format, from a seeded
// generator so every run ingests the same bytes.

export type CorpusFile = { name: string; type: string; bytes: Uint8Array };

export const CORPUS_FORMATS = ["txt", "md", "html", "pdf", "docx"] as const;
export type CorpusFormat = (typeof CORPUS_FORMATS)[number];

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

const SYLLABLES = [
  "ka",
  "lo",
  "mi",
  "ren",
  "to",
  "sa",
  "vel",
  "dor",
  "ni",
  "qua",
  "bel",
  "tri",
  "on",
  "es",
  "mar",
  "ul",
];

function makeWords(next: () => number, n: number): string[] {
  const words = new Set<string>(["the", "of", "and", "a", "to", "in", "is", "for", "with", "on", "ranking", "tide"]);
  while (words.size < n) {
    const k = 2 + Math.floor(next() * 3);
    words.add(Array.from({ length: k }, () => SYLLABLES[Math.floor(next() * SYLLABLES.length)]).join(""));
  }
  return [...words];
}

function sentences(next: () => number, words: string[], count: number): string[] {
  return Array.from({ length: count }, () => {
    const n = 6 + Math.floor(next() * 14);
    const ws = Array.from({ length: n }, () => words[Math.floor(Math.pow(next(), 2) * words.length)]);
    ws[0] = ws[0][0].toUpperCase() + ws[0].slice(1);
    return `${ws.join(" ")}.`;
  });
}

/** Paragraphs of roughly `bytes` characters of ASCII prose. */
function prose(next: () => number, words: string[], bytes: number): string[] {
  const paragraphs: string[] = [];
  let size = 0;
  while (size < bytes) {
    const p = sentences(next, words, 3 + Math.floor(next() * 6)).join(" ");
    paragraphs.push(p);
    size += p.length + 2;
  }
  return paragraphs;
}

function makeFile(format: CorpusFormat, index: number, next: () => number, words: string[], bytes: number): CorpusFile {
  const enc = (s: string) => new TextEncoder().encode(s);
  const title = sentences(next, words, 1)[0].slice(0, 40);
  switch (format) {
    case "txt":
      return { name: `doc-${index}.txt`, type: "text/plain", bytes: enc(prose(next, words, bytes).join("\n\n")) };
    case "md": {
      const parts = prose(next, words, bytes).map((p, i) =>
        i % 6 === 0 ? `## ${p.slice(0, 30)}\n\n${p}` : i % 6 === 3 ? `- ${p.split(". ").join(".\n- ")}` : p,
      );
      return { name: `doc-${index}.md`, type: "text/markdown", bytes: enc(`# ${title}\n\n${parts.join("\n\n")}`) };
    }
    case "html": {
      const body = prose(next, words, bytes * 0.9)
        .map((p, i) => (i % 8 === 0 ? `<h2>${p.slice(0, 30)}</h2><p>${p}</p>` : `<p>${p}</p>`))
        .join("\n");
      const html = `<!doctype html><html><head><title>${title}</title><script>window.tracking = 1;</script></head>
<body><nav><a href="/">Home</a> <a href="/about">About</a></nav><article><h1>${title}</h1>
${body}
</article><footer>Footer text</footer></body></html>`;
      return { name: `doc-${index}.html`, type: "text/html", bytes: enc(html) };
    }
    case "pdf": {
      // About 3.3 KB of text per page (45 lines of ~75 characters); PDF operators add ~15 %.
      const lines = prose(next, words, bytes * 0.85)
        .join(" ")
        .match(/.{1,75}(\s|$)/g)!
        .map((l) => l.trim());
      const pages: string[][] = [];
      for (let i = 0; i < lines.length; i += 45) pages.push(lines.slice(i, i + 45));
      return { name: `doc-${index}.pdf`, type: "application/pdf", bytes: makePdf(pages) };
    }
    case "docx":
      // Deflate shrinks this prose about 3×: 3× the text for the same file size.
      return { name: `doc-${index}.docx`, type: DOCX_MIME, bytes: makeDocx(prose(next, words, bytes * 3)) };
  }
}

/** About `totalBytes` of files, `fileBytes` each, the formats in turn. */
export function makeMixedCorpus({
  totalBytes = 50 * 1024 * 1024,
  fileBytes = 1024 * 1024,
  seed = 7,
}: { totalBytes?: number; fileBytes?: number; seed?: number } = {}): CorpusFile[] {
  const next = rng(seed);
  const words = makeWords(next, 5000);
  const files: CorpusFile[] = [];
  let size = 0;
  for (let i = 0; size < totalBytes; i++) {
    const file = makeFile(CORPUS_FORMATS[i % CORPUS_FORMATS.length], i, next, words, fileBytes);
    files.push(file);
    size += file.bytes.byteLength;
  }
  return files;
}
