import { wordTokens } from "@/lib/models/word-tokens";
import type { SearchParams, SearchResultRow } from "@/lib/retrieval/search";

import type { CorrectiveRound, CorrectiveSummary, RoundDecision } from "./loop";

// The corrective loop's record in words and in shapes the inspect view can draw: pure functions of a stored
// run's params.corrective (no server imports, so the browser bundle can use them).

/** A corrective run's rounds, or null for a single-pass run (or a stored value of another shape). */
export function correctiveOf(params: SearchParams | null | undefined): CorrectiveSummary | null {
  const p = params as (SearchParams & { mode?: unknown; corrective?: Partial<CorrectiveSummary> }) | null | undefined;
  if (p?.mode !== "corrective" || !p.corrective || !Array.isArray(p.corrective.rounds)) return null;
  if (p.corrective.rounds.length === 0) return null;
  return p.corrective as CorrectiveSummary;
}

const REASONS: Record<RoundDecision["reason"], string> = {
  weak_evidence: "Evidence too weak: the query was rewritten for another round",
  enough_relevant: "Stopped: enough relevant passages",
  max_rounds: "Stopped: the most rounds allowed",
  no_new_passages: "Stopped: the rewrite found nothing new",
  not_graded: "Stopped: the passages could not be graded",
};

/** Why the loop went on or stopped after a round, as a short sentence (the decision's detail adds the counts). */
export function describeDecision(decision: Pick<RoundDecision, "reason">): string {
  return REASONS[decision.reason] ?? decision.reason;
}

export interface QuerySegment {
  text: string;
  /** A word the question does not have: added by the rewrite. */
  added: boolean;
}

let segmenter: Intl.Segmenter | undefined;

/**
 * The round's query cut into segments, each word the question does not contain marked as added (RM3's
 * expansion terms, or the words an LLM rewrite brought in). Words compare as the retrievers see them
 * (NFKC, lower case; Japanese by the dictionary segmenter), so "Roses" in a rewrite of "roses" is not new.
 */
export function markAddedWords(question: string, query: string): QuerySegment[] {
  const known = new Set(wordTokens(question));
  segmenter ??= new Intl.Segmenter("ja", { granularity: "word" });
  const segs: QuerySegment[] = [...segmenter.segment(query)].map((s) => {
    const tokens = s.isWordLike ? wordTokens(s.segment) : [];
    return { text: s.segment, added: tokens.some((t) => !known.has(t)) };
  });
  // Spaces between two added words belong to the mark, so "basics guide" reads as one addition.
  segs.forEach((seg, i) => {
    if (/^\s+$/.test(seg.text) && segs[i - 1]?.added && segs[i + 1]?.added) seg.added = true;
  });
  const out: QuerySegment[] = [];
  for (const seg of segs) {
    const last = out.at(-1);
    if (last && last.added === seg.added) last.text += seg.text;
    else out.push({ ...seg });
  }
  return out;
}

/** A round's ranking with each passage's text, which the run keeps once (its merged results), not per round. */
export function roundRows(round: Pick<CorrectiveRound, "ranking">, results: SearchResultRow[]): SearchResultRow[] {
  const text = new Map(results.map((r) => [r.chunkId, r.text]));
  return round.ranking.map((row) => ({ ...row, text: text.get(row.chunkId) ?? "" }));
}

/** In which round each passage was first graded (a grade carries over to later rounds unchanged). */
export function firstGradedIn(rounds: Pick<CorrectiveRound, "round" | "grading">[]): Map<number, number> {
  const first = new Map<number, number>();
  for (const r of rounds)
    for (const g of r.grading?.grades ?? []) if (!first.has(g.chunkId)) first.set(g.chunkId, r.round);
  return first;
}
