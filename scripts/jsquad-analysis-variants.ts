// npx tsx scripts/jsquad-analysis-variants.ts [--dataset ../shared/datasets/jsquad] [--only name,name]
// Fast pure-TypeScript sweep of lexical-analysis variants on JSQuAD: analyse → Bm25Index
// (lib/retrieval/bm25-reference.ts, k1 0.9 b 0.4) → nDCG@10. No database; seconds per variant.
// Latin text is approximated by lower-cased letter/digit runs (the SQL path uses Postgres's english
// analyser), so figures for the app's own analysis are confirmed with scripts/bench-jsquad-bm25.ts.
import { parseArgs } from "node:util";
import { documentText, loadBeir } from "@/lib/eval/beir";
import { mean, ndcgAt } from "@/lib/eval/metrics";
import { Bm25Index } from "@/lib/retrieval/bm25-reference";
import { analyzeForIndex, foldKana } from "@/lib/text/analyze";

const { values } = parseArgs({
  options: { dataset: { type: "string", default: "../shared/datasets/jsquad" }, only: { type: "string" } },
});

const seg = new Intl.Segmenter("ja", { granularity: "word" });
const JA = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u30FC\u3006\u3099-\u309C]/u;
const JA_RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u30FC\u3006\u3099-\u309C]+/gu;
const LATIN_WORD = /[\p{L}\p{N}]+/gu;
const nfkc = (s: string) => s.normalize("NFKC");

const words = (s: string, min = 1, any = true) => {
  const out: string[] = [];
  for (const x of seg.segment(s)) {
    if (!x.isWordLike) continue;
    const n = [...x.segment].length;
    if (n < min || n > 32) continue;
    if (!any && !JA.test(x.segment)) continue;
    out.push(x.segment);
  }
  return out;
};
const bigramsOf = (chars: string[]) => {
  if (chars.length === 1) return chars;
  const out: string[] = [];
  for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i] + chars[i + 1]);
  return out;
};
// bigrams over sequences of characters matching `keep`, split where a character does not match
const bigramsWhere = (s: string, keep: (c: string) => boolean) => {
  const out: string[] = [];
  let run: string[] = [];
  for (const c of [...s, " "]) {
    if (keep(c)) run.push(c);
    else {
      if (run.length) out.push(...bigramsOf(run));
      run = [];
    }
  }
  return out;
};
const latinWords = (s: string) => (s.replace(JA_RUN, " ").toLowerCase().match(LATIN_WORD) ?? []);
const isWordChar = (c: string) => /[\p{L}\p{N}\p{M}]/u.test(c);
const notSpace = (c: string) => !/\s/u.test(c);

type Analyse = (text: string) => string[];
const unigramsWhere = (s: string, keep: (c: string) => boolean) => [...s].filter(keep);
const both = (t: string) => {
  const n = nfkc(t).toLowerCase();
  return { w: words(n).map(foldKana), b: bigramsWhere(foldKana(n), isWordChar), n: foldKana(n) };
};
// Japanese terms only where a Japanese character is involved; Latin/digit text left to the english side
const jaTouching = (t: string, fold: boolean) => {
  const n = nfkc(t).toLowerCase();
  const f = fold ? foldKana : (x: string) => x;
  const out = words(n, 1, false).map(f);
  const c = [...f(n)];
  for (let i = 0; i < c.length; i++) {
    if (JA.test(c[i])) out.push(c[i]);
    if (i + 1 < c.length && isWordChar(c[i]) && isWordChar(c[i + 1]) && (JA.test(c[i]) || JA.test(c[i + 1])))
      out.push(c[i] + c[i + 1]);
  }
  return [...out, ...latinWords(n)];
};
const variants: Record<string, Analyse> = {
  ja_touching_fold: (t) => jaTouching(t, true),
  ja_touching_nofold: (t) => jaTouching(t, false),
  both_plus_unigrams: (t) => {
    const x = both(t);
    return [...x.w, ...x.b, ...unigramsWhere(x.n, isWordChar)];
  },
  both_words2: (t) => {
    const x = both(t);
    return [...x.w.filter((w) => [...w].length >= 2), ...x.b];
  },
  both_words_x2: (t) => {
    const x = both(t);
    return [...x.w, ...x.w, ...x.b];
  },
  both_bigrams_trigrams: (t) => {
    const x = both(t);
    const tri: string[] = [];
    for (const b of x.b) tri.push(b);
    const c = [...x.n];
    for (let i = 0; i + 2 < c.length; i++) if (isWordChar(c[i]) && isWordChar(c[i + 1]) && isWordChar(c[i + 2])) tri.push(c[i] + c[i + 1] + c[i + 2]);
    return [...x.w, ...tri];
  },
  word_bigrams: (t) => {
    // the segmenter's words, plus bigrams of consecutive words
    const x = both(t);
    const wb: string[] = [];
    for (let i = 0; i + 1 < x.w.length; i++) wb.push(x.w[i] + "|" + x.w[i + 1]);
    return [...x.w, ...x.b, ...wb];
  },
  // the app's analysis today (latin approximated)
  current: (t) => [...analyzeForIndex(t).japaneseTerms, ...latinWords(nfkc(t))],
  readme_seg_words: (t) => words(t).map((w) => w.toLowerCase()),
  readme_bigrams_nonspace: (t) => bigramsWhere(t, notSpace),
  readme_bigrams_wordchars: (t) => bigramsWhere(t, isWordChar),
  readme_both_nonspace: (t) => [...words(t).map((w) => w.toLowerCase()), ...bigramsWhere(t, notSpace)],
  readme_both_wordchars: (t) => [...words(t).map((w) => w.toLowerCase()), ...bigramsWhere(t, isWordChar)],
  nfkc_both_wordchars: (t) => {
    const n = nfkc(t).toLowerCase();
    return [...words(n), ...bigramsWhere(n, isWordChar)];
  },
  nfkc_both_nonspace: (t) => {
    const n = nfkc(t).toLowerCase();
    return [...words(n), ...bigramsWhere(n, notSpace)];
  },
  nfkc_fold_both_wordchars: (t) => {
    const n = nfkc(t).toLowerCase();
    return [...words(n).map(foldKana), ...bigramsWhere(foldKana(n), isWordChar)];
  },
  // per-run bigrams (current), variations of the word side
  run_bigrams_nofold_words2: (t) => {
    const n = nfkc(t);
    const ja: string[] = [];
    for (const run of n.match(JA_RUN) ?? []) ja.push(...words(run, 2), ...bigramsOf([...run]));
    return [...ja, ...latinWords(n)];
  },
  run_bigrams_fold_words1: (t) => {
    const n = nfkc(t);
    const ja: string[] = [];
    for (const run of n.match(JA_RUN) ?? []) ja.push(...words(run, 1).map(foldKana), ...bigramsOf([...foldKana(run)]));
    return [...ja, ...latinWords(n)];
  },
  run_bigrams_nofold_words1: (t) => {
    const n = nfkc(t);
    const ja: string[] = [];
    for (const run of n.match(JA_RUN) ?? []) ja.push(...words(run, 1), ...bigramsOf([...run]));
    return [...ja, ...latinWords(n)];
  },
  // words segmented over the whole text (Japanese-containing words only), bigrams per run
  text_words1_ja_run_bigrams_fold: (t) => {
    const n = nfkc(t);
    const ja = words(n, 1, false).map(foldKana);
    for (const run of n.match(JA_RUN) ?? []) ja.push(...bigramsOf([...foldKana(run)]));
    return [...ja, ...latinWords(n)];
  },
  text_words1_ja_run_bigrams_nofold: (t) => {
    const n = nfkc(t);
    const ja = words(n, 1, false);
    for (const run of n.match(JA_RUN) ?? []) ja.push(...bigramsOf([...run]));
    return [...ja, ...latinWords(n)];
  },
  text_words2_ja_run_bigrams_fold: (t) => {
    const n = nfkc(t);
    const ja = words(n, 2, false).map(foldKana);
    for (const run of n.match(JA_RUN) ?? []) ja.push(...bigramsOf([...foldKana(run)]));
    return [...ja, ...latinWords(n)];
  },
};

const dataset = await loadBeir(values.dataset!);
const only = values.only?.split(",");
const docIds = dataset.corpus.map((d) => d.id);
const countOf = (terms: string[]) => {
  const m = new Map<string, number>();
  for (const x of terms) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
};
// two fields scored separately (each its own BM25 dl/avgdl), scores summed
const fused: Record<string, [Analyse, Analyse]> = {
  fused_words_bigrams: [(t) => both(t).w, (t) => both(t).b],
};
for (const [name, [fa, fb]] of Object.entries(fused)) {
  if (only && !only.includes(name)) continue;
  const ia = new Bm25Index(dataset.corpus.map((d, i) => ({ id: i, terms: countOf(fa(documentText(d))) })));
  const ib = new Bm25Index(dataset.corpus.map((d, i) => ({ id: i, terms: countOf(fb(documentText(d))) })));
  const ndcg: number[] = [];
  for (const q of dataset.queries) {
    const rel = dataset.qrels.get(q.id);
    if (!rel) continue;
    const s = new Map<number, number>();
    for (const h of [...ia.search(fa(q.text)), ...ib.search(fb(q.text))]) s.set(h.chunkId, (s.get(h.chunkId) ?? 0) + h.score);
    const ranked = [...s].sort((x, y) => y[1] - x[1] || x[0] - y[0]).slice(0, 10).map(([id]) => docIds[id]);
    ndcg.push(ndcgAt(ranked, rel, 10));
  }
  console.log(`${name.padEnd(36)} nDCG@10 ${mean(ndcg).toFixed(4)}`);
}
for (const [name, analyse] of Object.entries(variants)) {
  if (only && !only.includes(name)) continue;
  const t0 = performance.now();
  const index = new Bm25Index(dataset.corpus.map((d, i) => ({ id: i, terms: countOf(analyse(documentText(d))) })));
  const ndcg: number[] = [];
  for (const q of dataset.queries) {
    const rel = dataset.qrels.get(q.id);
    if (!rel) continue;
    const hits = index.search(analyse(q.text), { k1: 0.9, b: 0.4, k: 10 });
    ndcg.push(ndcgAt(hits.map((h) => docIds[h.chunkId]), rel, 10));
  }
  console.log(`${name.padEnd(36)} nDCG@10 ${mean(ndcg).toFixed(4)}  (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}
