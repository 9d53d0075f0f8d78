import { wordTokens } from "@/lib/models/word-tokens";

// RM3 pseudo-relevance feedback (Lavrenko & Croft's relevance model, interpolated with the query as in
// Abdul-Jaleel et al., UMass at TREC 2004): the query rewriter when no LLM is configured.
//
//   P(w|R)  ∝ Σ_d  weight(d) · tf(w, d) / |d|          (RM1 over the feedback passages)
//   P'(w)   =  λ · P(w|Q) + (1 − λ) · P(w|R)             (RM3; P(w|R) cut to the top terms, renormalised)
//
// weight(d) is the passage's relevance score (the reranker's calibrated score) normalised over the
// feedback set, so a passage the reranker trusts contributes more of its vocabulary. Terms are the starter
// models' word tokens (NFKC, lower-cased, Japanese runs split by ICU's dictionary segmenter), so English
// and Japanese passages give whole words; stop words, one-character kana or punctuation-free digits are not
// evidence of a topic and are dropped.

export interface FeedbackPassage {
  text: string;
  /** Relevance of the passage (higher is better, ≥ 0); the reranker's calibrated score in the loop. */
  score: number;
}

export interface Rm3Options {
  /** How many expansion terms P(w|R) keeps (fbTerms). */
  terms?: number;
  /** λ: the original query's share of the interpolated model. */
  originalWeight?: number;
}

export interface WeightedTerm {
  term: string;
  weight: number;
}

export interface Rm3Expansion {
  /** The interpolated model P'(w), highest weight first (query terms and expansion terms). */
  model: WeightedTerm[];
  /** The expansion terms not already in the query, highest weight first. */
  added: WeightedTerm[];
  /** The query text with the added terms appended (BM25 takes the union of a query's words). */
  query: string;
}

export const RM3_DEFAULTS = { terms: 10, originalWeight: 0.5 } as const;

// Function words that carry no topic. English: the common SMART/Lucene core; Japanese: the multi-character
// function words and auxiliaries the ICU segmenter emits as words (single kana are dropped by rule).
const STOP_WORDS = new Set(
  (
    "a about above after again against all also am an and any are as at be because been before being below " +
    "between both but by can could did do does doing down during each few for from further had has have " +
    "having he her here hers herself him himself his how i if in into is it its itself just me more most my " +
    "myself no nor not now of off on once only or other our ours ourselves out over own same she should so " +
    "some such than that the their theirs them themselves then there these they this those through to too " +
    "under until up very was we were what when where which while who whom why will with would you your " +
    "yours yourself yourselves may might must shall also however thus using used use one two within without " +
    "これ それ あれ どれ この その あの どの ここ そこ あそこ こと もの ため よう ところ とき など まで から " +
    "より ので のに けど けれど けれども です ます でし まし ませ ない なかっ ある あり あっ いる い おり " +
    "する し さ せ され でき なる なり なっ れる られ られる ように という といった として について によって " +
    "における において および また さらに ただし 及び 又は 並びに 等"
  ).split(/\s+/),
);

const ONE_KANA = /^[\p{Script=Hiragana}\p{Script=Katakana}ー]$/u;
const HAS_LETTER = /\p{L}/u;

/** The content words of a text: word tokens without stop words, lone kana and letterless tokens. */
export function contentTerms(text: string): string[] {
  return wordTokens(text).filter((t) => HAS_LETTER.test(t) && !ONE_KANA.test(t) && !STOP_WORDS.has(t));
}

function distribution(terms: string[]): Map<string, number> {
  const p = new Map<string, number>();
  if (terms.length === 0) return p;
  for (const t of terms) p.set(t, (p.get(t) ?? 0) + 1 / terms.length);
  return p;
}

const byWeight = (a: WeightedTerm, b: WeightedTerm) => b.weight - a.weight || (a.term < b.term ? -1 : 1);

/** RM3 expansion of `query` from the feedback passages. Pure: same inputs, same expansion. */
export function rm3Expand(query: string, passages: FeedbackPassage[], options: Rm3Options = {}): Rm3Expansion {
  const fbTerms = options.terms ?? RM3_DEFAULTS.terms;
  const lambda = options.originalWeight ?? RM3_DEFAULTS.originalWeight;

  // Scores to passage weights; all-zero scores (nothing to tell them apart) weigh the passages equally.
  const scores = passages.map((p) => Math.max(0, Number.isFinite(p.score) ? p.score : 0));
  const scoreSum = scores.reduce((s, x) => s + x, 0);
  const weights = scores.map((s) => (scoreSum > 0 ? s / scoreSum : 1 / Math.max(1, passages.length)));

  const relevance = new Map<string, number>();
  passages.forEach((p, i) => {
    for (const [term, pwd] of distribution(contentTerms(p.text))) {
      relevance.set(term, (relevance.get(term) ?? 0) + weights[i] * pwd);
    }
  });
  const top = [...relevance]
    .map(([term, weight]) => ({ term, weight }))
    .sort(byWeight)
    .slice(0, fbTerms);
  const topSum = top.reduce((s, t) => s + t.weight, 0);

  const queryModel = distribution(contentTerms(query));
  const model = new Map<string, number>();
  for (const [term, p] of queryModel) model.set(term, lambda * p);
  // A query of stop words alone has no P(w|Q): the feedback model is then all there is.
  const feedbackShare = queryModel.size > 0 ? 1 - lambda : 1;
  for (const { term, weight } of top) {
    model.set(term, (model.get(term) ?? 0) + (topSum > 0 ? (feedbackShare * weight) / topSum : 0));
  }

  const ranked = [...model].map(([term, weight]) => ({ term, weight })).sort(byWeight);
  const inQuery = new Set(wordTokens(query));
  const added = ranked.filter((t) => !queryModel.has(t.term) && !inQuery.has(t.term) && t.weight > 0);
  return {
    model: ranked,
    added,
    query: added.length > 0 ? `${query} ${added.map((t) => t.term).join(" ")}` : query,
  };
}
