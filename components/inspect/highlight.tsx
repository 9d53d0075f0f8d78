import type { CSSProperties, ReactNode } from "react";

// Query-term highlighting for passages (English and Japanese), and font stacks that render Japanese.

/**
 * Japanese-capable fallbacks after the Latin faces: Noto CJK (Linux: fonts-noto-cjk), Hiragino (macOS),
 * Yu Gothic / Meiryo (Windows). Latin text keeps its usual face; kana and kanji fall through to these.
 */
export const JAPANESE_FALLBACK_SANS = `"Noto Sans CJK JP", "Noto Sans JP", "Hiragino Sans", "Hiragino Kaku Gothic ProN", "Yu Gothic", Meiryo`;
export const SANS_FONT_STACK = `ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, ${JAPANESE_FALLBACK_SANS}, sans-serif`;
export const SERIF_FONT_STACK = `ui-serif, Georgia, Cambria, "Times New Roman", Times, "Noto Serif CJK JP", "Noto Serif JP", "Hiragino Mincho ProN", "Yu Mincho", ${JAPANESE_FALLBACK_SANS}, serif`;
export const sansFont: CSSProperties = { fontFamily: SANS_FONT_STACK };
export const serifFont: CSSProperties = { fontFamily: SERIF_FONT_STACK };

const KANA = /[\p{Script=Hiragana}\p{Script=Katakana}]/u;
/** `lang="ja"` for text with kana, so the browser picks Japanese glyph forms for kanji; else undefined. */
export const langOf = (text: string): "ja" | undefined => (KANA.test(text) ? "ja" : undefined);

const STOPWORDS = new Set(
  (
    "a an and are as at be by can did do does for from had has have how in into is it its of on or that the " +
    "their there these this to was were what when where which who why will with you your about " +
    "です ます ですか ますか でした ました ください について なぜ どう どの どのように どんな いつ どこ だれ なに " +
    "これ それ この その こと もの ため よう など する した して ある いる なる"
  ).split(" "),
);
const HAN_CHAR = /^\p{Script=Han}$/u;
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
const HIRAGANA_ONLY = /^\p{Script=Hiragana}+$/u;

/**
 * The words of a query worth highlighting: Intl.Segmenter words (which also splits Japanese, where
 * spaces do not) of two or more characters, or a single kanji; function words and lone particles dropped.
 */
export function highlightTerms(query: string): string[] {
  const normalized = query.normalize("NFKC");
  const words: string[] =
    typeof Intl !== "undefined" && "Segmenter" in Intl
      ? [...new Intl.Segmenter("ja", { granularity: "word" }).segment(normalized)]
          .filter((s) => s.isWordLike)
          .map((s) => s.segment)
      : normalized.split(/[^\p{L}\p{N}]+/u);
  // Katakana loanwords whole too, where the segmenter splits them (リランカー).
  for (const [word] of normalized.matchAll(/[\p{Script=Katakana}ー]{2,}/gu)) words.push(word);
  const terms = new Set<string>();
  for (const word of words) {
    const length = [...word].length;
    const key = word.toLowerCase();
    if (STOPWORDS.has(key)) continue;
    if (length === 1 ? !HAN_CHAR.test(word) : length === 2 && HIRAGANA_ONLY.test(word)) continue;
    terms.add(key);
  }
  // Longest first, so that a longer term wins where two overlap.
  return [...terms].sort((a, b) => b.length - a.length || a.localeCompare(b));
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** One regex matching any term: Latin words from a word start (so inflections match), case-insensitive. */
export function highlightPattern(terms: string[]): RegExp | null {
  if (terms.length === 0) return null;
  const parts = terms.map((t) => (CJK.test(t) ? escape(t) : `(?<![\\p{L}\\p{N}])${escape(t)}`));
  return new RegExp(parts.join("|"), "giu");
}

/** `text` split into plain and highlighted pieces (exact slices of it). */
export function highlightSegments(text: string, terms: string[]): { text: string; hit: boolean }[] {
  const pattern = highlightPattern(terms);
  if (!pattern) return [{ text, hit: false }];
  const out: { text: string; hit: boolean }[] = [];
  let last = 0;
  for (const m of text.matchAll(pattern)) {
    if (m[0] === "") continue;
    if (m.index > last) out.push({ text: text.slice(last, m.index), hit: false });
    // Adjacent hits (潮 + 鐘) merge into one mark.
    const prev = out.at(-1);
    if (prev?.hit && m.index === last) prev.text += m[0];
    else out.push({ text: m[0], hit: true });
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push({ text: text.slice(last), hit: false });
  return out;
}

export function Highlighted({ text, terms }: { text: string; terms: string[] }): ReactNode {
  return highlightSegments(text, terms).map((s, i) =>
    s.hit ? (
      <mark key={i} data-testid="query-highlight" className="rounded-sm bg-amber-200/80 px-px text-inherit">
        {s.text}
      </mark>
    ) : (
      s.text
    ),
  );
}
