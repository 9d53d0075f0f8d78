import { wordTokens } from "@/lib/models/word-tokens";

import { citationOf, NOT_FOUND_ANSWER, type AnswerPassage, type Citation } from "./types";

// The answer when no language model is configured: the passages' own most relevant sentences, cited.

export interface ExtractedSentence {
  /** Citation number of the passage the sentence comes from. */
  n: number;
  chunkId: number;
  /** The sentence as shown (whitespace collapsed, list/heading markers dropped, long ones shortened). */
  text: string;
  /** Offsets of the sentence in the passage text. */
  start: number;
  end: number;
  /** Offsets of the sentence in its document (the chunk's charStart + start/end). */
  docStart: number;
  docEnd: number;
  score: number;
}

export interface ExtractiveAnswer {
  found: boolean;
  text: string;
  citations: Citation[];
  sentences: ExtractedSentence[];
}

export interface ExtractiveOptions {
  /** Floor on the top passage's final score (env.ANSWER_MIN_SCORE). */
  minScore?: number;
  maxSentences?: number;
  minSentences?: number;
}

const notFound = (): ExtractiveAnswer => ({
  found: false,
  text: NOT_FOUND_ANSWER,
  citations: [],
  sentences: [],
});

export function extractiveAnswer(
  query: string,
  passages: AnswerPassage[],
  { minScore = Number.NEGATIVE_INFINITY, maxSentences = 4, minSentences = 2 }: ExtractiveOptions = {},
): ExtractiveAnswer {
  if (passages.length === 0 || passages[0].score < minScore) return notFound();
  const queryTerms = [...new Set(contentTerms(query))];
  if (queryTerms.length === 0) return notFound();

  const candidates: (ExtractedSentence & {
    rank: number;
    terms: Set<string>;
    documentId: string;
    shape: number;
  })[] = [];
  passages.forEach((passage, rank) => {
    const spans = splitSentences(passage.text);
    spans.forEach((span, i) => {
      const raw = passage.text.slice(span.start, span.end);
      const terms = new Set(contentTerms(raw));
      const length = sentenceLength(raw);
      if (length < 3) return;
      // A chunk that starts mid-document may start mid-sentence (chunk overlap); a lower-case
      // opening marks such a fragment, and an unterminated last sentence may be cut off.
      let shape = 1;
      if (i === 0 && passage.charStart > 0 && /^[\p{Ll}]/u.test(raw)) shape *= 0.6;
      const terminated = TERMINATED.test(raw);
      if (i === spans.length - 1 && !terminated) shape *= 0.8;
      // A short unterminated line is a heading or a label: it names the topic but rarely answers.
      if (!terminated && length < 8) shape *= 0.3;
      candidates.push({
        n: passage.n,
        chunkId: passage.chunkId,
        documentId: passage.documentId,
        text: cleanSentence(raw),
        start: span.start,
        end: span.end,
        docStart: passage.charStart + span.start,
        docEnd: passage.charStart + span.end,
        score: 0,
        rank,
        terms,
        shape,
      });
    });
  });
  if (candidates.length === 0) return notFound();

  // Rarity of each query term among the top passages' sentences: a term found in every sentence
  // says little about which sentence answers.
  const total = candidates.length;
  const weight = new Map(
    queryTerms.map((t) => {
      const df = candidates.filter((c) => c.terms.has(t)).length;
      return [t, Math.log(1 + (total + 1) / (df + 0.5))];
    }),
  );
  const weightSum = queryTerms.reduce((sum, t) => sum + weight.get(t)!, 0);
  for (const c of candidates) {
    const covered = queryTerms.reduce((sum, t) => sum + (c.terms.has(t) ? weight.get(t)! : 0), 0);
    // Coverage of the query (idf-weighted), discounted by the passage's rank.
    c.score = (covered / weightSum) * (0.75 + 0.25 / (c.rank + 1)) * c.shape;
  }

  const relevant = candidates
    .filter((c) => c.score > 0)
    .sort((a, b) => b.score - a.score || a.rank - b.rank || a.start - b.start);
  if (relevant.length === 0) return notFound();

  const picked: typeof relevant = [];
  const isDuplicate = (c: (typeof relevant)[number]) =>
    picked.some(
      (p) =>
        p.text === c.text ||
        // Overlapping chunks of one document repeat the same sentences.
        (p.documentId === c.documentId && p.docStart < c.docEnd && c.docStart < p.docEnd) ||
        jaccard(p.terms, c.terms) >= 0.8,
    );
  const best = relevant[0].score;
  for (const c of relevant) {
    if (picked.length >= maxSentences) break;
    if (picked.length >= minSentences && c.score < 0.35 * best) break;
    if (!isDuplicate(c)) picked.push(c);
  }

  // Reading order: passages by their best sentence, sentences in document order within a passage.
  const groupBest = new Map<number, number>();
  for (const c of picked) groupBest.set(c.n, Math.max(groupBest.get(c.n) ?? 0, c.score));
  picked.sort((a, b) => groupBest.get(b.n)! - groupBest.get(a.n)! || a.n - b.n || a.start - b.start);

  const text = picked
    .map((c) => withCitation(c.text, c.n))
    .reduce((out, s) => (out === "" ? s : `${out}${JA_END.test(out) && CJK_START.test(s) ? "" : " "}${s}`), "");
  const citedNs = new Set(picked.map((c) => c.n));
  return {
    found: true,
    text,
    citations: passages.filter((p) => citedNs.has(p.n)).map(citationOf),
    sentences: picked.map(({ n, chunkId, text, start, end, docStart, docEnd, score }) => ({
      n,
      chunkId,
      text,
      start,
      end,
      docStart,
      docEnd,
      score,
    })),
  };
}

const CJK_CHAR = String.raw`\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}ー々〆`;
const CJK_START = new RegExp(`^[${CJK_CHAR}「『（]`, "u");
/** A Japanese sentence end, possibly inside closing brackets. */
const JA_END = /[。！？][」』）]*$/u;
const TERMINATED = /(?:[.!?]["')\]”’]*|[。！？][」』）]*)$/u;

/** "Text ends here." → "Text ends here [2]."; 「…です。」→「…です[2]。」 (no space in Japanese). */
function withCitation(sentence: string, n: number): string {
  const ja = /^(.*?)([。！？]+[」』）]*)$/su.exec(sentence);
  if (ja) return `${ja[1]}[${n}]${ja[2]}`;
  const m = /^(.*?)([.!?…]*["')\]”’]*)$/s.exec(sentence)!;
  const body = m[1];
  if (!(m[2] && /[.!?…]/.test(m[2])) && new RegExp(`[${CJK_CHAR}」』）]$`, "u").test(body + m[2])) {
    // An unterminated Japanese line (a heading or list item): cite it and close it Japanese-style.
    return `${sentence}[${n}]。`;
  }
  const tail = m[2] && /[.!?…]/.test(m[2]) ? m[2] : ".";
  return `${body} [${n}]${tail}`;
}

/** Length in words: Latin words, plus one word per two kana/kanji (Japanese words average about two characters). */
function sentenceLength(raw: string): number {
  const cjk = raw.match(new RegExp(`[${CJK_CHAR}]`, "gu"))?.length ?? 0;
  const latin = wordTokens(raw.replace(new RegExp(`[${CJK_CHAR}]+`, "gu"), " ")).length;
  return latin + Math.ceil(cjk / 2);
}

// ---------------------------------------------------------------------------------------------
// Sentences

const ABBREVIATIONS = new Set([
  "e.g",
  "i.e",
  "etc",
  "al",
  "fig",
  "figs",
  "vs",
  "dr",
  "mr",
  "mrs",
  "ms",
  "prof",
  "no",
  "vol",
  "approx",
  "cf",
  "eq",
  "st",
  "jr",
  "sr",
  "inc",
  "ltd",
  "co",
  "dept",
  "est",
  "resp",
]);

// . ! ? (+ closing quotes), whitespace, then a capital, digit, opening quote or Japanese text.
const LATIN_SENTENCE_END = new RegExp(`([.!?]+)["')\\]”’]*(?=\\s+["'(\\[“‘「]?[\\p{Lu}\\p{N}${CJK_CHAR}])`, "gu");

/**
 * Sentence spans (trimmed) of a text: split after . ! ? before a capital/digit/quote, after Japanese 。！？
 * (and the closing brackets after them; no space follows them), and at line breaks that start a new block.
 */
export function splitSentences(text: string): { start: number; end: number }[] {
  const cuts: number[] = [];
  // Japanese: 。！？ (several: ？！), closing brackets after them, end a sentence wherever more text follows;
  // so do ASCII ! ? directly before Japanese text.
  for (const m of text.matchAll(new RegExp(`(?:[。！？．｡]+|[!?]+(?=[${CJK_CHAR}]))[」』）】"”’]*(?=\\S)`, "gu"))) {
    const end = m.index + m[0].length;
    // 「…。」と言った: a quotation closed inside a sentence does not end it.
    if (/[」』）"”’]$/u.test(m[0]) && /^(?:と|って)/u.test(text.slice(end))) continue;
    cuts.push(end);
  }
  // Sentence ends: punctuation (+ closing quotes/brackets), whitespace, then something that can start a sentence.
  for (const m of text.matchAll(LATIN_SENTENCE_END)) {
    const end = m.index + m[0].length;
    if (m[1] === ".") {
      const before = /([\p{L}.]+)\.$/u.exec(text.slice(Math.max(0, m.index - 12), m.index + 1));
      const word = before?.[1].toLowerCase();
      if (word && (ABBREVIATIONS.has(word) || /^\p{L}$/u.test(word))) continue;
    }
    cuts.push(end);
  }
  // Paragraph breaks, and line breaks before list items or headings, always end a sentence;
  // a single line break inside running text (hard-wrapped prose) does not.
  for (const m of text.matchAll(/\n[ \t]*\n|\n(?=[ \t]*(?:[-*•+]\s|\d+[.)]\s|#{1,6}\s|\|))/g)) {
    cuts.push(m.index);
  }
  cuts.sort((a, b) => a - b);

  const spans: { start: number; end: number }[] = [];
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    if (cut <= from) continue;
    const slice = text.slice(from, cut);
    const lead = slice.length - slice.trimStart().length;
    const trail = slice.length - slice.trimEnd().length;
    if (slice.trim().length > 0) spans.push({ start: from + lead, end: cut - trail });
    from = cut;
  }
  return spans;
}

const MAX_SENTENCE_CHARS = 400;
const CJK_LINE_BREAK = new RegExp(`([${CJK_CHAR}、。「」])[ \\t]*\\n[ \\t]*(?=[${CJK_CHAR}「])`, "gu");

function cleanSentence(raw: string): string {
  let s = raw
    .replace(/^(?:#{1,6}|[-*•+]|\d+[.)])\s+/, "")
    // A line break inside Japanese prose joins without a space (Japanese does not space words).
    .replace(CJK_LINE_BREAK, "$1")
    .replace(/\s+/g, " ")
    .trim();
  if (s.length > MAX_SENTENCE_CHARS) {
    const cut = s.lastIndexOf(" ", MAX_SENTENCE_CHARS);
    s = `${s.slice(0, cut > MAX_SENTENCE_CHARS / 2 ? cut : MAX_SENTENCE_CHARS)}…`;
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// Terms

const STOPWORDS = new Set(
  (
    "a about above after again against all am an and any are as at be because been before being below " +
    "between both but by can could did do does doing down during each few for from further had has have " +
    "having he her here hers herself him himself his how i if in into is it its itself just me more most " +
    "my myself no nor not now of off on once only or other our ours ourselves out over own same she should " +
    "so some such than that the their theirs them themselves then there these they this those through to " +
    "too under until up very was we were what when where which while who whom why will with would you your " +
    "yours yourself yourselves also may might must shall tell explain describe please"
  ).split(" "),
);

/** Light stemming so "retrievers"/"retriever" and "ranking"/"ranked" meet; not a full Porter stemmer. */
function stem(word: string): string {
  if (word.length > 4 && word.endsWith("ies")) return `${word.slice(0, -3)}y`;
  if (word.length > 5 && word.endsWith("ing")) return word.slice(0, -3);
  if (word.length > 4 && word.endsWith("ed")) return word.slice(0, -2);
  if (word.length > 4 && word.endsWith("es") && /(?:ss|x|ch|sh)es$/.test(word)) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith("s") && !word.endsWith("ss")) return word.slice(0, -1);
  return word;
}

// Japanese function words and question frames the word segmenter returns (hiragana words of one or two
// characters are dropped anyway).
const JA_STOPWORDS = new Set(
  (
    "何 誰 です ます でした ました ですか ますか ください について として における による によって という " +
    "ている ていた ていま られる される する した して します しない できる ある いる なる なぜ どう どの " +
    "どのように どんな いつ どこ だれ なに これ それ あれ この その あの こと もの ため よう など また および"
  ).split(" "),
);
const JA_RUN = new RegExp(`[${CJK_CHAR}]+`, "gu");
const HAN = /\p{Script=Han}/u;
const HAN_OR_KATAKANA = /[\p{Script=Han}\p{Script=Katakana}]/u;
const KATAKANA_WORD = /[\p{Script=Katakana}ー]{2,}/gu;
const HIRAGANA_ONLY = /^[\p{Script=Hiragana}ー]+$/u;
let jaSegmenter: Intl.Segmenter | undefined;

/**
 * Query-matching terms of a text. Latin (and other spaced-script) words: word tokens, stopwords dropped,
 * lightly stemmed. Runs of kanji/kana: the words `Intl.Segmenter("ja")` finds (function words dropped)
 * plus character bigrams that contain a kanji or katakana, so compounds the segmenter splits still meet.
 */
export function contentTerms(text: string): string[] {
  const normalized = text.normalize("NFKC").toLowerCase();
  if (!new RegExp(`[${CJK_CHAR}]`, "u").test(normalized)) return latinTerms(normalized);
  const terms = latinTerms(normalized.replace(JA_RUN, " "));
  for (const [run] of normalized.matchAll(JA_RUN)) terms.push(...japaneseTerms(run));
  return terms;
}

function latinTerms(text: string): string[] {
  return wordTokens(text)
    .filter((w) => !STOPWORDS.has(w))
    .map(stem);
}

function japaneseTerms(run: string): string[] {
  jaSegmenter ??= new Intl.Segmenter("ja", { granularity: "word" });
  const terms: string[] = [];
  for (const { segment, isWordLike } of jaSegmenter.segment(run)) {
    if (!isWordLike || JA_STOPWORDS.has(segment)) continue;
    const chars = [...segment];
    if (chars.length === 1 ? HAN.test(segment) : !HIRAGANA_ONLY.test(segment) || chars.length >= 3) {
      terms.push(segment);
    }
  }
  // Katakana words (loanwords) whole, even where the segmenter splits them: リランカー.
  for (const [word] of run.matchAll(KATAKANA_WORD)) terms.push(word);
  const chars = [...run];
  for (let i = 0; i + 1 < chars.length; i++) {
    const bigram = chars[i] + chars[i + 1];
    if (HAN_OR_KATAKANA.test(bigram)) terms.push(bigram);
  }
  return terms;
}

function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let shared = 0;
  for (const t of a) if (b.has(t)) shared++;
  return shared / (a.size + b.size - shared);
}
