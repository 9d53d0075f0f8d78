"use client";

import { useId, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from "react";
import type { RunRecord } from "@/components/api-types";
import { formatMs, formatScore } from "@/components/format";
import { Badge } from "@/components/ui/badge";
import { Panel } from "@/components/ui/panel";
import type { TokenUsage } from "@/lib/retrieval/corrective/llm-json";
import type { CorrectiveRound, CorrectiveSummary } from "@/lib/retrieval/corrective/loop";
import { describeDecision, firstGradedIn, markAddedWords, roundRows } from "@/lib/retrieval/corrective/describe";
import { highlightTerms, langOf } from "./highlight";
import { RankingComparison, runTopN } from "./ranking-comparison";
import { TimingsBar } from "./timings-bar";

const tokensText = (u: TokenUsage) => `${u.input} prompt + ${u.output} completion`;

/**
 * Every round of a corrective run, one tab each: the query it used (the rewrite's added words marked), its
 * grades, why the loop went on or stopped, its latency and stage timings, and both of its rankings with
 * the passages that ended in the final evidence marked.
 */
export function CorrectiveRounds({ run, corrective }: { run: RunRecord; corrective: CorrectiveSummary }) {
  const id = useId();
  const { rounds } = corrective;
  const [selected, setSelected] = useState(0);
  const tabs = useRef<(HTMLButtonElement | null)[]>([]);
  const evidence = useMemo(() => new Set(corrective.evidenceChunkIds), [corrective.evidenceChunkIds]);
  const gradedIn = useMemo(() => firstGradedIn(rounds), [rounds]);
  const last = rounds[rounds.length - 1];

  const select = (i: number) => {
    const next = (i + rounds.length) % rounds.length;
    setSelected(next);
    tabs.current[next]?.focus();
  };
  const onKeyDown = (e: KeyboardEvent) => {
    const moves: Record<string, number> = {
      ArrowRight: selected + 1,
      ArrowDown: selected + 1,
      ArrowLeft: selected - 1,
      ArrowUp: selected - 1,
      Home: 0,
      End: rounds.length - 1,
    };
    if (!(e.key in moves)) return;
    e.preventDefault();
    select(moves[e.key]);
  };

  return (
    <Panel
      title="Corrective rounds"
      bodyClassName="flex flex-col gap-3 px-3 py-3"
      data-testid="corrective-rounds"
      actions={
        <span className="text-xs text-slate-500">
          at most {corrective.maxRounds} · {corrective.minRelevant} relevant wanted
        </span>
      }
    >
      <p className="text-sm text-slate-700" data-testid="corrective-summary">
        {rounds.length} round{rounds.length === 1 ? "" : "s"}, then{" "}
        <span className="font-medium text-slate-900" data-testid="corrective-stop">
          {describeDecision(last.decision).replace(/^Stopped: /, "stopped: ")}
        </span>
        . The answer uses the best {corrective.evidenceChunkIds.length} passage
        {corrective.evidenceChunkIds.length === 1 ? "" : "s"} seen in any round (relevant ones first), marked{" "}
        <span className="font-semibold text-emerald-700" aria-hidden>
          ●
        </span>
        <span className="sr-only">as in the final evidence</span> below.
        {corrective.tokens && (
          <span className="text-slate-500" data-testid="corrective-tokens">
            {" "}
            LLM tokens: {tokensText(corrective.tokens)}.
          </span>
        )}
      </p>

      <div
        role="tablist"
        aria-label="Rounds of the corrective loop"
        className="flex gap-1 overflow-x-auto border-b border-slate-200"
      >
        {rounds.map((r, i) => {
          const on = i === selected;
          return (
            <button
              key={r.round}
              ref={(el) => {
                tabs.current[i] = el;
              }}
              type="button"
              role="tab"
              id={`${id}-tab-${r.round}`}
              aria-selected={on}
              aria-controls={`${id}-panel-${r.round}`}
              tabIndex={on ? 0 : -1}
              onClick={() => setSelected(i)}
              onKeyDown={onKeyDown}
              data-testid="corrective-round-tab"
              className={`-mb-px flex shrink-0 flex-col items-start rounded-t border-b-2 px-3 py-1.5 text-left text-sm focus-visible:outline-2 focus-visible:outline-offset-[-2px] focus-visible:outline-indigo-600 ${
                on
                  ? "border-indigo-600 font-semibold text-indigo-700"
                  : "border-transparent text-slate-600 hover:text-slate-900"
              }`}
            >
              <span>Round {r.round}</span>
              <span className="font-mono text-[11px] font-normal text-slate-500">
                {formatMs(r.latencyMs)} · {r.decision.action === "continue" ? "rewrote" : "stopped"}
              </span>
            </button>
          );
        })}
      </div>

      {rounds.map((r, i) => (
        <div
          key={r.round}
          role="tabpanel"
          id={`${id}-panel-${r.round}`}
          aria-labelledby={`${id}-tab-${r.round}`}
          hidden={i !== selected}
          tabIndex={0}
          className="rounded focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
          data-testid="corrective-round"
          data-round={r.round}
        >
          <RoundDetails
            run={run}
            round={r}
            question={run.query}
            threshold={corrective.threshold}
            evidence={evidence}
            gradedIn={gradedIn}
            idPrefix={`${id}-r${r.round}-`}
          />
        </div>
      ))}
    </Panel>
  );
}

function RoundDetails({
  run,
  round,
  question,
  threshold,
  evidence,
  gradedIn,
  idPrefix,
}: {
  run: RunRecord;
  round: CorrectiveRound;
  question: string;
  threshold: number;
  evidence: Set<number>;
  gradedIn: Map<number, number>;
  idPrefix: string;
}) {
  const rows = useMemo(() => roundRows(round, run.results), [round, run.results]);
  const terms = useMemo(() => highlightTerms(round.query), [round.query]);
  const roundRun = useMemo<RunRecord>(
    () => ({
      ...run,
      results: rows,
      reranked: round.reranked,
      rerankSkippedReason: round.rerankSkippedReason ?? null,
    }),
    [run, rows, round.reranked, round.rerankSkippedReason],
  );
  const { decision, rewrite, grading } = round;
  const stopped = decision.action === "stop";
  const usage = [
    grading?.usage ? `grader ${tokensText(grading.usage)}` : null,
    rewrite?.usage ? `rewriter ${tokensText(rewrite.usage)}` : null,
  ].filter(Boolean);

  return (
    <div className="flex flex-col gap-4 pt-1">
      <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
        <Section title="Query">
          <p
            className="rounded border border-slate-200 bg-slate-50 px-2 py-1.5 text-sm break-words text-slate-900"
            data-testid="corrective-round-query"
            lang={langOf(round.query)}
          >
            <QueryText question={question} round={round} />
          </p>
          {rewrite ? (
            <div className="flex flex-col gap-1 text-xs text-slate-600">
              <p className="flex flex-wrap items-center gap-2">
                <Badge tone="indigo" data-testid="corrective-rewrite-method">
                  {rewrite.method === "llm" ? "LLM rewrite" : "RM3 expansion"}
                </Badge>
                <span>
                  {rewrite.method === "llm"
                    ? "the LLM rewrote the question; words it added are marked"
                    : "the question plus terms from the previous round's top passages, weighted by their rerank scores"}
                </span>
              </p>
              {rewrite.terms && rewrite.terms.length > 0 && (
                <p data-testid="corrective-expansion-terms">
                  added:{" "}
                  {rewrite.terms.map((t, i) => (
                    <span key={t.term}>
                      {i > 0 && " · "}
                      <mark className="rounded bg-amber-100 px-0.5 text-amber-900">{t.term}</mark>{" "}
                      <span className="font-mono text-slate-500">{t.weight.toFixed(3)}</span>
                    </span>
                  ))}
                </p>
              )}
              {rewrite.fallbackReason && (
                <p className="text-amber-800" data-testid="corrective-rewrite-fallback">
                  LLM rewrite not used ({rewrite.fallbackReason}); RM3 instead.
                </p>
              )}
            </div>
          ) : (
            <p className="text-xs text-slate-600">The user&apos;s question, as asked.</p>
          )}
        </Section>

        <Section title="Decision">
          <p className="flex flex-wrap items-center gap-2 text-sm" data-testid="corrective-round-decision">
            <Badge tone={stopped ? (decision.reason === "enough_relevant" ? "green" : "gray") : "amber"}>
              {stopped ? "stopped" : "continued"}
            </Badge>
            <span className="font-medium text-slate-900" data-testid="corrective-round-reason">
              {describeDecision(decision)}
            </span>
          </p>
          <p className="text-xs text-slate-600">{decision.detail}.</p>
          <p className="text-xs text-slate-600">
            {round.newPassages} new passage{round.newPassages === 1 ? "" : "s"} in the top {runTopN(run)} ·{" "}
            {round.relevantSoFar} relevant so far
          </p>
          {round.discardedRewrite && (
            <p className="text-xs text-slate-600" data-testid="corrective-discarded-rewrite">
              The next rewrite ({round.discardedRewrite.method === "llm" ? "LLM" : "RM3"}) gave “
              <span lang={langOf(round.discardedRewrite.query)}>{round.discardedRewrite.query}</span>”, a query already
              tried.
            </p>
          )}
        </Section>
      </div>

      <Section title="Latency">
        <dl className="flex flex-wrap gap-x-4 gap-y-1 text-xs" data-testid="corrective-round-latency">
          <Fact label="round" value={formatMs(round.latencyMs)} strong />
          <Fact label="search" value={formatMs(round.timings.totalMs)} />
          <Fact label="grading" value={formatMs(round.gradeMs)} />
          {round.round > 1 && <Fact label="rewrite" value={formatMs(round.rewriteMs)} />}
          {round.discardedRewrite && <Fact label="discarded rewrite" value={formatMs(round.discardedRewrite.ms)} />}
          {usage.length > 0 && <Fact label="LLM tokens" value={usage.join(", ")} />}
        </dl>
        <TimingsBar timings={round.timings} testId="corrective-round-timings" />
      </Section>

      <Section title={`Grades of the top ${grading?.grades.length ?? runTopN(run)}`}>
        <GradesTable
          round={round}
          rows={rows}
          threshold={threshold}
          evidence={evidence}
          gradedIn={gradedIn}
          caption={`Round ${round.round}: grade of each of its top passages`}
        />
      </Section>

      <RankingComparison
        run={roundRun}
        terms={terms}
        idPrefix={idPrefix}
        heading={`Round ${round.round}: rankings before and after rerank`}
        evidence={evidence}
        testId="corrective-round-rankings"
      />
    </div>
  );
}

/** The round's query, each word the question does not have marked as added by the rewrite. */
function QueryText({ question, round }: { question: string; round: CorrectiveRound }) {
  if (!round.rewrite) return <>{round.query}</>;
  return (
    <>
      {markAddedWords(question, round.query).map((s, i) =>
        s.added ? (
          <mark
            key={i}
            className="rounded bg-amber-100 px-0.5 text-amber-900"
            data-testid="corrective-added-words"
            title="added by the rewrite"
          >
            {s.text}
          </mark>
        ) : (
          <span key={i}>{s.text}</span>
        ),
      )}
    </>
  );
}

function GradesTable({
  round,
  rows,
  threshold,
  evidence,
  gradedIn,
  caption,
}: {
  round: CorrectiveRound;
  rows: RunRecord["results"];
  threshold: number;
  evidence: Set<number>;
  gradedIn: Map<number, number>;
  caption: string;
}) {
  const { grading } = round;
  if (!grading) {
    return (
      <p className="text-sm text-slate-600" data-testid="corrective-not-graded">
        Not graded: {round.rerankSkippedReason ? `not reranked (${round.rerankSkippedReason})` : "no scores"} and no LLM
        configured.
      </p>
    );
  }
  const byId = new Map(rows.map((r, i) => [r.chunkId, { row: r, rank: i + 1 }]));
  return (
    <div className="flex flex-col gap-1.5">
      <p className="text-xs text-slate-600" data-testid="corrective-grading-method">
        {grading.method === "llm"
          ? "Graded by the LLM (a judgement per passage; the reranker's score beside it)."
          : `Graded by the reranker's calibrated score: relevant at ${threshold.toFixed(2)} or more.`}
        {grading.fallbackReason && (
          <span className="text-amber-800"> LLM grader not used ({grading.fallbackReason}).</span>
        )}
      </p>
      <div className="overflow-x-auto">
        <table className="w-full border-collapse text-left text-xs" data-testid="corrective-grades">
          <caption className="sr-only">{caption}</caption>
          <thead className="bg-slate-50 text-[11px] tracking-wide text-slate-500 uppercase">
            <tr>
              <th scope="col" className="w-9 px-2 py-1.5 text-right font-medium">
                #
              </th>
              <th scope="col" className="px-2 py-1.5 font-medium">
                Passage
              </th>
              <th scope="col" className="w-px px-2 py-1.5 font-medium whitespace-nowrap">
                Grade
              </th>
              <th scope="col" className="hidden px-2 py-1.5 font-medium sm:table-cell">
                Why
              </th>
              <th scope="col" className="hidden w-px px-2 py-1.5 font-medium whitespace-nowrap md:table-cell">
                Graded in
              </th>
              <th
                scope="col"
                className="w-px px-2 py-1.5 text-center font-medium whitespace-nowrap"
                title="In the final evidence"
              >
                Final
              </th>
            </tr>
          </thead>
          <tbody>
            {grading.grades.map((g) => {
              const at = byId.get(g.chunkId);
              const first = gradedIn.get(g.chunkId) ?? round.round;
              const why =
                g.reason !== undefined
                  ? `LLM: ${g.reason}`
                  : g.score === null
                    ? "no score"
                    : `score ${formatScore(g.score, 3)} ${g.score >= threshold ? "≥" : "<"} ${threshold.toFixed(2)}`;
              const inEvidence = evidence.has(g.chunkId);
              return (
                <tr
                  key={g.chunkId}
                  className="border-t border-slate-100 align-top"
                  data-testid="corrective-grade"
                  data-chunk-id={g.chunkId}
                  data-relevant={g.relevant ? "true" : "false"}
                  data-in-evidence={inEvidence ? "true" : "false"}
                >
                  <td className="px-2 py-1.5 text-right font-mono text-slate-700">{at?.rank ?? "—"}</td>
                  <td className="max-w-0 px-2 py-1.5">
                    <span className="block truncate font-medium text-slate-800" title={at?.row.documentName}>
                      {at?.row.documentName ?? "—"}{" "}
                      <span className="font-mono text-[10px] font-normal text-slate-500">#{g.chunkId}</span>
                    </span>
                    {at?.row.text && (
                      <span className="block truncate text-slate-500" lang={langOf(at.row.text)}>
                        {at.row.text}
                      </span>
                    )}
                    <span className="block text-slate-600 sm:hidden">{why}</span>
                  </td>
                  <td className="px-2 py-1.5">
                    <Badge tone={g.relevant ? "green" : "gray"}>{g.relevant ? "relevant" : "not relevant"}</Badge>
                  </td>
                  <td className="hidden px-2 py-1.5 text-slate-700 sm:table-cell" data-testid="corrective-grade-why">
                    {why}
                    {g.reason !== undefined && g.score !== null && (
                      <span className="ml-1 font-mono text-slate-500">(score {formatScore(g.score, 3)})</span>
                    )}
                  </td>
                  <td className="hidden px-2 py-1.5 whitespace-nowrap text-slate-600 md:table-cell">
                    {first === round.round ? "this round" : `round ${first}`}
                  </td>
                  <td className="px-2 py-1.5 text-center">
                    {inEvidence ? (
                      <span className="font-semibold text-emerald-700" title="In the final evidence">
                        ●<span className="sr-only">in the final evidence</span>
                      </span>
                    ) : (
                      <span className="text-slate-500">
                        —<span className="sr-only">not in the final evidence</span>
                      </span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="flex flex-col gap-1.5">
      <h3 className="text-xs font-semibold tracking-wide text-slate-500 uppercase">{title}</h3>
      {children}
    </section>
  );
}

function Fact({ label, value, strong }: { label: string; value: string; strong?: boolean }) {
  return (
    <div className="flex items-baseline gap-1.5">
      <dt className="text-slate-500">{label}</dt>
      <dd className={`font-mono text-slate-900 ${strong ? "font-semibold" : ""}`}>{value}</dd>
    </div>
  );
}
