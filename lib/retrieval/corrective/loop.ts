import { z } from "zod";

import { LOCAL_VIEWER } from "@/db/queries/access";
import { STAGES } from "@/db/queries/latency";
import type { RunRecord } from "@/db/queries/runs";
import { env } from "@/lib/env";
import { llmConfigFrom, type LlmConfig } from "@/lib/generate/llm";
import {
  loadQueries,
  runSearch,
  type RerankClientLike,
  type RunSearchArgs,
  type SearchParams,
  type SearchResponse,
  type SearchResultRow,
  type Timings,
} from "@/lib/retrieval/search";

import { gradePassages, isEvidenceWeak, type Grading, type PassageGrade } from "./grade";
import type { TokenUsage } from "./llm-json";
import { rewriteQuery, type Rewrite } from "./rewrite";
import type { Rm3Options } from "./rm3";

// The corrective retrieval loop: retrieve → rerank → grade → if the evidence is weak, rewrite the query and
// go again, at most maxRounds rounds; the answer then rests on the best evidence seen in any round.
//
// Every round is lib/retrieval/search.ts's runSearch with the round's query. Its reranker always scores
// against the user's question, not the rewritten query: grades and scores then mean the same thing in
// every round, so passages from different rounds can be compared and merged. The rounds' own run records
// are not stored; one run holds the merged result and every round (in params.corrective).

export const retrievalModeSchema = z.enum(["single", "corrective"]);
export type RetrievalMode = z.infer<typeof retrievalModeSchema>;

export interface CorrectiveOptions {
  maxRounds: number;
  /** The score grader's threshold on the reranker's calibrated score. */
  threshold: number;
  /** Evidence is weak below this many relevant passages. */
  minRelevant: number;
  /** The LLM grader and rewriter; null: the score grader and RM3. */
  llm: LlmConfig | null;
  rm3?: Rm3Options;
  llmTimeoutMs?: number;
}

export function correctiveOptionsFrom(
  e: Pick<typeof env, "CORRECTIVE_MAX_ROUNDS" | "CORRECTIVE_GRADE_THRESHOLD" | "CORRECTIVE_MIN_RELEVANT">,
  llm: LlmConfig | null,
): CorrectiveOptions {
  return {
    maxRounds: e.CORRECTIVE_MAX_ROUNDS,
    threshold: e.CORRECTIVE_GRADE_THRESHOLD,
    minRelevant: e.CORRECTIVE_MIN_RELEVANT,
    llm,
  };
}

export type StopReason = "enough_relevant" | "max_rounds" | "no_new_passages" | "not_graded";

export interface RoundDecision {
  action: "continue" | "stop";
  reason: "weak_evidence" | StopReason;
  /** The same in words, with the counts. */
  detail: string;
}

/** A round's candidates as a run record holds them (every stage's rank and score), without the text. */
export type RoundRow = Omit<SearchResultRow, "text">;

export interface CorrectiveRound {
  round: number;
  /** The retrieval query of this round (round 1: the question). */
  query: string;
  /** How this round's query was made (absent in round 1). */
  rewrite?: Rewrite;
  reranked: boolean;
  rerankSkippedReason?: string;
  /** All candidates in final (post-rerank) order; the pre-rerank order is by fusedRank. */
  ranking: RoundRow[];
  /** The top-n passages' grades, in ranking order. */
  grading: Grading | null;
  /** Top-n passages no earlier round had graded. */
  newPassages: number;
  /** Distinct relevant passages over this and earlier rounds. */
  relevantSoFar: number;
  decision: RoundDecision;
  timings: Timings;
  gradeMs: number;
  rewriteMs: number;
  /** Rewrite + search + grading of this round (and of a rewrite made after it but discarded). */
  latencyMs: number;
  /** A rewrite made after this round that gave a query already tried, so the loop stopped instead. */
  discardedRewrite?: Rewrite & { ms: number };
}

/** LLM tokens over all rounds, and split by the step that spent them (grader calls, rewriter calls). */
export type CorrectiveTokens = TokenUsage & { grader?: TokenUsage; rewriter?: TokenUsage };

export interface CorrectiveSummary {
  maxRounds: number;
  threshold: number;
  minRelevant: number;
  rounds: CorrectiveRound[];
  stopReason: StopReason;
  /** The passages the answer uses (the first topN of the results): the best evidence over all rounds. */
  evidenceChunkIds: number[];
  /** LLM tokens over all rounds, when an LLM was called and reported usage. */
  tokens?: CorrectiveTokens;
}

export type CorrectiveSearchResponse = SearchResponse & { mode: "corrective"; corrective: CorrectiveSummary };

/** What the corrective run stores in its `params` column (no column of its own). */
export type CorrectiveParams = SearchParams & { mode: "corrective"; corrective: CorrectiveSummary };

const wallClock = () => performance.timeOrigin + performance.now();
const round2 = (ms: number) => Math.round(ms * 100) / 100;

function addUsage(total: TokenUsage | undefined, more: TokenUsage | undefined): TokenUsage | undefined {
  if (!more) return total;
  if (!total) return { ...more };
  return { input: total.input + more.input, output: total.output + more.output, total: total.total + more.total };
}

const relevantCount = (grades: Map<number, PassageGrade>) => [...grades.values()].filter((g) => g.relevant).length;

// Every stage timing but the total, which is the loop's own wall time.
const TIMING_KEYS = STAGES.filter((s) => s !== "totalMs");

/**
 * The rounds' candidates, each passage once: relevant first, then by the reranker's score (against the
 * question in every round), then by the round and rank it was first seen at.
 */
export function mergeEvidence(
  rounds: { results: SearchResultRow[] }[],
  grades: Map<number, PassageGrade>,
): SearchResultRow[] {
  const seen = new Map<number, { row: SearchResultRow; order: number }>();
  let order = 0;
  for (const r of rounds) {
    for (const row of r.results) {
      const prior = seen.get(row.chunkId);
      if (!prior) seen.set(row.chunkId, { row, order: order++ });
      else if ((row.rerankScore ?? -Infinity) > (prior.row.rerankScore ?? -Infinity)) prior.row = row;
    }
  }
  const relevant = (id: number) => (grades.get(id)?.relevant ? 1 : 0);
  return [...seen.values()]
    .sort(
      (a, b) =>
        relevant(b.row.chunkId) - relevant(a.row.chunkId) ||
        (b.row.rerankScore ?? -Infinity) - (a.row.rerankScore ?? -Infinity) ||
        a.order - b.order,
    )
    .map((e) => e.row);
}

export async function runCorrectiveSearch(
  args: RunSearchArgs & { options?: Partial<CorrectiveOptions> },
): Promise<CorrectiveSearchResponse> {
  const options: CorrectiveOptions = { ...correctiveOptionsFrom(env, null), ...args.options };
  const { db, params, viewer = LOCAL_VIEWER, now = wallClock, newId = () => crypto.randomUUID() } = args;
  const question = params.query;
  const q = args.queries ?? (await loadQueries());
  const started = now();

  // Each round's run record is captured instead of saved: the loop stores one run at the end.
  const captured: { run: RunRecord | null } = { run: null };
  const roundQueries = {
    ...q,
    saveRetrievalRun: async ({ run }: { run: RunRecord }) => {
      captured.run = run;
    },
  };
  const reranker: RerankClientLike = {
    rerank: (request) => args.reranker.rerank({ ...request, query: question }),
  };

  const rounds: CorrectiveRound[] = [];
  const searches: { results: SearchResultRow[]; record: RunRecord }[] = [];
  const grades = new Map<number, PassageGrade>();
  const queriesTried: string[] = [];
  let graderTokens: TokenUsage | undefined;
  let rewriterTokens: TokenUsage | undefined;
  let query = question;
  let rewrite: Rewrite | undefined;
  let rewriteMs = 0;
  let stopReason: StopReason = "max_rounds";

  for (let n = 1; n <= options.maxRounds; n++) {
    const roundStarted = now();
    queriesTried.push(query);
    captured.run = null;
    const search = await runSearch({
      ...args,
      params: { ...params, query },
      queries: roundQueries,
      reranker,
      newId: () => `round-${n}`,
      // The rerank cache is keyed by the request's query; a rewritten round's scores are the question's,
      // so caching them under the rewritten query would serve them to a later search for that text.
      ...(query === question ? {} : { rerankCacheTtlMs: 0 }),
    });
    const record = captured.run!;
    searches.push({ results: search.results, record });

    const top = search.results.slice(0, params.topN);
    const unseen = top.filter((r) => !grades.has(r.chunkId));
    let grading: Grading | null = null;
    let gradeMs = 0;
    let decision: RoundDecision;

    if (!search.reranked && !options.llm) {
      decision = {
        action: "stop",
        reason: "not_graded",
        detail: `no reranker scores to grade (${search.rerankSkippedReason ?? "not reranked"}) and no LLM configured`,
      };
    } else {
      const t0 = now();
      const fresh = await gradePassages({
        question,
        passages: unseen.map((r) => ({ chunkId: r.chunkId, text: r.text, score: r.rerankScore })),
        threshold: options.threshold,
        llm: options.llm,
        ...(options.llmTimeoutMs !== undefined ? { timeoutMs: options.llmTimeoutMs } : {}),
      });
      gradeMs = round2(now() - t0);
      graderTokens = addUsage(graderTokens, fresh.usage);
      for (const g of fresh.grades) grades.set(g.chunkId, g);
      // Passages graded in an earlier round keep that grade: it was made against the same question.
      grading = { ...fresh, grades: top.map((r) => grades.get(r.chunkId)!) };

      const relevantSoFar = relevantCount(grades);
      const weak = isEvidenceWeak({ relevant: relevantSoFar, minRelevant: options.minRelevant, topN: params.topN });
      if (!weak) {
        decision = {
          action: "stop",
          reason: "enough_relevant",
          detail: `${relevantSoFar} relevant passage(s) found (at least ${options.minRelevant} wanted)`,
        };
      } else if (n > 1 && unseen.length === 0) {
        decision = {
          action: "stop",
          reason: "no_new_passages",
          detail: `the rewritten query found no top-${params.topN} passage that earlier rounds had not graded`,
        };
      } else if (n === options.maxRounds) {
        decision = {
          action: "stop",
          reason: "max_rounds",
          detail: `${relevantSoFar} relevant passage(s), fewer than ${options.minRelevant}, after ${n} round(s) (the most allowed)`,
        };
      } else {
        decision = {
          action: "continue",
          reason: "weak_evidence",
          detail: `${relevantSoFar} relevant passage(s), fewer than ${options.minRelevant}: rewriting the query`,
        };
      }
    }

    rounds.push({
      round: n,
      query,
      ...(rewrite ? { rewrite } : {}),
      reranked: search.reranked,
      ...(search.rerankSkippedReason ? { rerankSkippedReason: search.rerankSkippedReason } : {}),
      ranking: search.results.map(({ text: _text, ...row }) => row),
      grading,
      newPassages: unseen.length,
      relevantSoFar: relevantCount(grades),
      decision,
      timings: search.timings,
      gradeMs,
      rewriteMs,
      latencyMs: round2(now() - roundStarted + rewriteMs),
    });

    if (decision.action === "stop") {
      stopReason = decision.reason as StopReason;
      break;
    }

    // The next round's query, timed into the next round.
    const t0 = now();
    rewrite = await rewriteQuery({
      question,
      previousQueries: queriesTried,
      passages: top.map((r) => ({ text: r.text, score: r.rerankScore ?? 0 })),
      llm: options.llm,
      ...(options.rm3 ? { rm3: options.rm3 } : {}),
      ...(options.llmTimeoutMs !== undefined ? { timeoutMs: options.llmTimeoutMs } : {}),
    });
    rewriteMs = round2(now() - t0);
    rewriterTokens = addUsage(rewriterTokens, rewrite.usage);
    if (queriesTried.includes(rewrite.query)) {
      const last = rounds[rounds.length - 1];
      last.discardedRewrite = { ...rewrite, ms: rewriteMs };
      last.latencyMs = round2(last.latencyMs + rewriteMs);
      last.decision = {
        action: "stop",
        reason: "no_new_passages",
        detail: `the rewrite (${rewrite.method}) gives a query already tried: nothing new to retrieve`,
      };
      stopReason = "no_new_passages";
      break;
    }
    query = rewrite.query;
  }

  const allReranked = searches.every((s) => s.record.reranked);
  const merged =
    searches.length === 1
      ? searches[0].results
      : mergeEvidence(searches, grades).map((row, i) => (allReranked ? { ...row, rerankRank: i + 1 } : row));

  const timings: Timings = { ...searches[0].record.timings, totalMs: 0 };
  for (const key of TIMING_KEYS) timings[key] = round2(searches.reduce((s, x) => s + (x.record.timings[key] ?? 0), 0));
  timings.totalMs = round2(now() - started);

  const last = searches[searches.length - 1].record;
  const firstReranked = searches.find((s) => s.record.reranked)?.record;
  const reranked = firstReranked !== undefined;
  const rerankSkippedReason = reranked ? undefined : (last.rerankSkippedReason ?? undefined);
  const total = addUsage(graderTokens, rewriterTokens);
  const tokens: CorrectiveTokens | undefined = total && {
    ...total,
    ...(graderTokens ? { grader: graderTokens } : {}),
    ...(rewriterTokens ? { rewriter: rewriterTokens } : {}),
  };
  const corrective: CorrectiveSummary = {
    maxRounds: options.maxRounds,
    threshold: options.threshold,
    minRelevant: options.minRelevant,
    rounds,
    stopReason,
    evidenceChunkIds: merged.slice(0, params.topN).map((r) => r.chunkId),
    ...(tokens ? { tokens } : {}),
  };
  const runId = newId();
  const storedParams: CorrectiveParams = { ...params, mode: "corrective", corrective };

  await q.saveRetrievalRun({
    db,
    ...(viewer === "all" ? {} : { userId: viewer.userId }),
    run: {
      runId,
      createdAt: new Date(started).toISOString(),
      query: question,
      params: storedParams,
      reranked,
      rerankSkippedReason: rerankSkippedReason ?? null,
      ...(last.denseSkippedReason ? { denseSkippedReason: last.denseSkippedReason } : {}),
      rerankModel: (firstReranked ?? last).rerankModel,
      timings,
      results: merged,
      answerChunkIds: [],
      answer: null,
    },
  });

  return {
    runId,
    reranked,
    ...(rerankSkippedReason ? { rerankSkippedReason } : {}),
    ...(last.denseSkippedReason ? { denseSkippedReason: last.denseSkippedReason } : {}),
    timings,
    results: merged,
    mode: "corrective",
    corrective,
  };
}

/**
 * The search a request's `mode` asks for: runSearch as it is ("single"), or the corrective loop with the
 * environment's settings and the configured LLM (none: the score grader and RM3).
 */
export function searchInMode(
  mode: RetrievalMode,
  args: RunSearchArgs,
): Promise<SearchResponse | CorrectiveSearchResponse> {
  if (mode === "single") return runSearch(args);
  return runCorrectiveSearch({ ...args, options: correctiveOptionsFrom(env, llmConfigFrom(env)) });
}
