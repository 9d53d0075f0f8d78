// Language-aware lexical analysis for BM25, shared by indexing and querying (and by PGlite and PostgreSQL,
// which only ever see its output).
//
// 1. NFKC normalisation: full-width Latin/digits → ASCII, half-width katakana → full-width katakana,
//    compatibility characters (ligatures, circled digits, …) → their plain forms.
// 2. Script runs: Han, Hiragana, Katakana, the prolonged sound mark ー and the iteration marks (々 〆 ゝ ゞ ヽ ヾ)
//    form Japanese runs; everything else is "latin" text left for Postgres's stemmed `english` analyser
//    (Japanese runs are replaced by a space there, so the words on either side never merge).
// 3. Japanese terms (only for text with a Japanese character): the words Intl.Segmenter('ja') finds that
//    contain a Japanese character (word-like segments of 1–32 characters, built into Node's full ICU), every
//    Japanese character as a unigram, and every bigram of adjacent letters/digits that has a Japanese
//    character in it (so "5月" and "gで" are bigrams; bigrams never span spaces or punctuation), one bag,
//    lower-cased. Words give precise matches; unigrams and bigrams make recall independent of how the
//    segmenter happened to cut the query or the document. Latin text is still analysed by `english` alone.
// 4. Kana folding: katakana → hiragana, for words, unigrams and bigrams alike (after NFKC, so ｶﾀｶﾅ, カタカナ and かたかな
//    give the same bigrams). Hiragana is the target because hiragana is the script every kana word can be
//    written in (katakana loanwords, okurigana and readings written in hiragana all meet there), and the
//    segmenter still sees the original script, where its dictionary works best. The few katakana without
//    a hiragana twin (ヷ ヸ ヹ ヺ) are kept as they are.
// 5. Encoding: every Japanese term becomes an ASCII lexeme "j_" + hex of its UTF-8 bytes. No text-search
//    parser, dictionary or locale can split or change it, it survives any database encoding, and the
//    `english` parser never emits "_" inside a lexeme, so it cannot collide with an English lexeme.

export type Language = "ja" | "en";

export type AnalysedText = {
  /** The non-Japanese text (NFKC), for to_tsvector('english', …); Japanese runs replaced by a space. */
  latin: string;
  /** Japanese terms (folded words, then bigrams, per run in order), not yet encoded; duplicates kept. */
  japaneseTerms: string[];
};

// Characters that belong to a Japanese run. ー (U+30FC) and 〆 (U+3006) are Script=Common, the combining
// (semi-)voiced sound marks U+3099–U+309C Inherited/Common, so they are listed explicitly.
const JAPANESE_CHAR = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u30FC\u3006\u3099-\u309C]/u;
const JAPANESE_RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u30FC\u3006\u3099-\u309C]+/gu;
const LETTER = /\p{L}/u;

/** Longer Segmenter "words" (unusual: long kanji compounds) are left to their bigrams. */
export const MAX_JAPANESE_WORD_CHARS = 32;

export const JAPANESE_TERM_PREFIX = "j_";

export function normalizeText(text: string): string {
  return text.normalize("NFKC");
}

export function isJapaneseChar(ch: string): boolean {
  return JAPANESE_CHAR.test(ch);
}

/** Katakana → hiragana (U+30A1–U+30F6 and the iteration marks ヽ ヾ); everything else unchanged. */
export function foldKana(text: string): string {
  let out = "";
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if ((cp >= 0x30a1 && cp <= 0x30f6) || cp === 0x30fd || cp === 0x30fe) out += String.fromCodePoint(cp - 0x60);
    else out += ch;
  }
  return out;
}

/**
 * The languages a text contains, most characters first (ties: first to appear). "ja": Han/kana letters;
 * "en": any other letters (the Latin/English analyser takes all non-Japanese text). Digits and
 * punctuation alone count for neither.
 */
export function detectScripts(text: string): Language[] {
  const counts = { ja: 0, en: 0 };
  const first: Partial<Record<Language, number>> = {};
  let i = 0;
  for (const ch of normalizeText(text)) {
    const lang: Language | null = JAPANESE_CHAR.test(ch) ? "ja" : LETTER.test(ch) ? "en" : null;
    if (lang) {
      counts[lang]++;
      first[lang] ??= i;
    }
    i++;
  }
  return (Object.keys(counts) as Language[])
    .filter((l) => counts[l] > 0)
    .sort((a, b) => counts[b] - counts[a] || first[a]! - first[b]!);
}

let segmenter: Intl.Segmenter | undefined;
const jaSegmenter = () => (segmenter ??= new Intl.Segmenter("ja", { granularity: "word" }));

/** Character bigrams of a run (code points); a one-character run gives itself. */
export function bigrams(run: string): string[] {
  const chars = [...run];
  if (chars.length === 1) return chars;
  const out: string[] = [];
  for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i] + chars[i + 1]);
  return out;
}

// Letters, digits and marks (ー 々 〆 ゝ ヽ and the combining sound marks included): the characters a
// gram may be made of. Spaces and punctuation (、。・「」() …) end a span.
const WORD_CHAR = /[\p{L}\p{N}\p{M}]/u;

/**
 * Japanese terms of a text already NFKC-normalised (and without any Japanese character → none):
 * - every word-like Intl.Segmenter('ja') word of 1–32 characters that contains a Japanese character (so
 *   "1945年" or "LangGraphで" may be one word when the segmenter says so), lower-cased and kana-folded;
 * - every Japanese character as a unigram;
 * - every bigram of adjacent letters/digits with at least one Japanese character in it, so bigrams cross
 *   into Latin letters and digits ("5月", "gで") but never span spaces or punctuation, and bigrams of
 *   Latin text alone are never made (it stays with the english analyser).
 * All three in one bag: words give precise matches, unigrams let one-character words (月, 年, 県) and
 * question kanji match whatever the segmenter did, bigrams make recall independent of where the segmenter
 * cut. On JSQuAD this bag scores nDCG@10 0.954 against 0.944 for run-local words ≥ 2 + bigrams
 * (scripts/jsquad-analysis-variants.ts).
 */
function japaneseTerms(normalized: string): string[] {
  const text = foldKana(normalized.toLowerCase());
  const terms: string[] = [];
  // Segment the original script (its dictionary works best there), fold afterwards.
  for (const s of jaSegmenter().segment(normalized)) {
    if (!s.isWordLike || !JAPANESE_CHAR.test(s.segment)) continue;
    const n = [...s.segment].length;
    if (n > MAX_JAPANESE_WORD_CHARS) continue;
    terms.push(foldKana(s.segment.toLowerCase()));
  }
  const chars = [...text];
  for (const ch of chars) if (JAPANESE_CHAR.test(ch)) terms.push(ch);
  for (let i = 0; i + 1 < chars.length; i++) {
    const a = chars[i];
    const b = chars[i + 1];
    if (!WORD_CHAR.test(a) || !WORD_CHAR.test(b)) continue;
    if (JAPANESE_CHAR.test(a) || JAPANESE_CHAR.test(b)) terms.push(a + b);
  }
  return terms;
}

/** The analysis both indexing and querying use. Text without Japanese keeps latin == NFKC(text). */
export function analyzeForIndex(text: string): AnalysedText {
  const normalized = normalizeText(text);
  JAPANESE_RUN.lastIndex = 0;
  if (!JAPANESE_RUN.test(normalized)) return { latin: normalized, japaneseTerms: [] };
  JAPANESE_RUN.lastIndex = 0;
  const latin = normalized.replace(JAPANESE_RUN, " ");
  return { latin, japaneseTerms: japaneseTerms(normalized) };
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

/** A Japanese term as its ASCII lexeme: "j_" + lower-case hex of its UTF-8 bytes. */
export function encodeJapaneseTerm(term: string): string {
  return JAPANESE_TERM_PREFIX + Buffer.from(utf8.encode(term)).toString("hex");
}

/** The inverse of encodeJapaneseTerm; null for a lexeme that is not an encoded Japanese term. */
export function decodeJapaneseTerm(lexeme: string): string | null {
  if (!lexeme.startsWith(JAPANESE_TERM_PREFIX)) return null;
  const hex = lexeme.slice(JAPANESE_TERM_PREFIX.length);
  if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9a-f]+$/.test(hex)) return null;
  try {
    return utf8Decoder.decode(Buffer.from(hex, "hex"));
  } catch {
    return null;
  }
}

// Postgres tsvector positions are 1..16383 (a lexeme may be 2047 bytes; ours are at most 2 + 2·4·32).
// Terms past position 16383 share that position, so a term repeated there counts once: chunks are far shorter.
const MAX_TSVECTOR_POS = 16383;

/**
 * The Japanese terms as a tsvector literal ('lexeme':position …, positions 1, 2, … in order) for
 * `${literal}::tsvector`: the tsvector input function reads it verbatim (no parser, no dictionary, no
 * locale), so PGlite and PostgreSQL store the same lexemes and term frequencies. Empty string → empty tsvector.
 */
export function japaneseTsvectorLiteral(terms: string[]): string {
  return terms
    .map((t, i) => `'${encodeJapaneseTerm(t)}':${Math.min(i + 1, MAX_TSVECTOR_POS)}`)
    .join(" ");
}

/** Distinct encoded Japanese lexemes of a query (order of first appearance). */
export function japaneseQueryLexemes(terms: string[]): string[] {
  return [...new Set(terms.map(encodeJapaneseTerm))];
}
