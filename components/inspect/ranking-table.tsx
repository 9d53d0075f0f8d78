"use client";

import Link from "next/link";
import { Fragment, useMemo, type ReactNode } from "react";
import type { SearchResultRow } from "@/components/api-types";
import { documentHref, formatRank, formatScore } from "@/components/format";
import { detectInstructionLike } from "@/lib/security/injection";
import { Highlighted, langOf, serifFont } from "./highlight";
import { InstructionFlag } from "./instruction-flag";
import { LabelControl } from "./label-control";
import { describeMove, moveOf, type Move } from "./movement";
import type { Grade } from "./use-labels";

export type RankingMode = "fused" | "rerank";

export interface RowFocus {
  /** The candidate under the pointer or holding keyboard focus: highlighted in both columns. */
  hovered: number | null;
  selected: number | null;
  /** Which table the selection came from. */
  source: RankingMode | null;
}

/** What reached the answer: the final top n of a run that has an answer, and the passages it cited. */
export interface AnswerUse {
  reached: Set<number>;
  cited: Set<number>;
}

/** What the last column marks: the answer's passages (a run), or the final evidence (a corrective round). */
export type MarksOf = "answer" | "evidence";

const MARKS: Record<MarksOf, { header: string; title: string; reached: string }> = {
  answer: {
    header: "Answer",
    title: "Reached the answer (top n) / cited by the answer",
    reached: "reached the answer",
  },
  evidence: {
    header: "Final",
    title: "In the final evidence (the passages the answer uses, over every round)",
    reached: "in the final evidence",
  },
};

export function RankingTable({
  mode,
  rows,
  topN,
  final,
  answer,
  focus,
  expanded,
  onHover,
  onSelect,
  rowRef,
  highlightTerms = [],
  labels,
  onLabel,
  idPrefix = "",
  marks = "answer",
}: {
  mode: RankingMode;
  rows: SearchResultRow[];
  /** The run's top n: a divider marks the cut (the answer's passages above it, in the final order). */
  topN: number;
  /** This table is the run's final order (reranked, or fused when reranking was skipped). */
  final: boolean;
  answer: AnswerUse;
  focus: RowFocus;
  expanded: Set<number>;
  onHover: (chunkId: number | null) => void;
  onSelect: (chunkId: number, source: RankingMode) => void;
  /** Each row's element, so the lines between the two columns can find it. */
  rowRef?: (chunkId: number, el: HTMLTableRowElement | null) => void;
  /** Query words to highlight in passages. */
  highlightTerms?: string[];
  /** Relevance judgements by chunk id; with onLabel, each row gets a control to set its own. */
  labels?: Map<number, Grade>;
  onLabel?: (chunkId: number, grade: Grade | null) => void;
  /** Prefixes the element ids and control names, so several comparisons can share a page. */
  idPrefix?: string;
  marks?: MarksOf;
}) {
  const fused = mode === "fused";
  const mark = MARKS[marks];
  // Client-side, from the passage text itself: a hint for the reader, so no API field is needed.
  const instructionLike = useMemo(() => new Map(rows.map((r) => [r.chunkId, detectInstructionLike(r.text)])), [rows]);
  const colCount = 6 + (final ? 1 : 0) + (onLabel ? 1 : 0);
  const th = "px-2 py-1.5 font-medium whitespace-nowrap";

  return (
    <table className="w-full border-collapse text-left text-xs" data-testid={`inspect-table-${mode}`}>
      <caption className="sr-only">
        {fused
          ? "Candidates in fused order, before rerank, with their BM25, vector and fused ranks and scores."
          : "Candidates in reranked order, with their rerank score, fused rank and movement."}{" "}
        Activate a passage to show its full text.
      </caption>
      <thead className="sticky top-0 z-10 bg-slate-50 text-[11px] uppercase tracking-wide text-slate-500 shadow-[0_1px_0_0_var(--color-slate-200)]">
        <tr>
          <th scope="col" className={`${th} w-9 text-right`}>
            #
          </th>
          <th scope="col" className={th}>
            Passage
          </th>
          {fused ? (
            <>
              <Th title="BM25 rank and score">BM25</Th>
              <Th title="Vector rank and cosine similarity">Vector</Th>
              <Th title="Fused score">Fused</Th>
              <Th title="Rank after rerank" className="xl:hidden" always>
                <abbr title="Rank after rerank" className="no-underline">
                  →
                </abbr>
              </Th>
            </>
          ) : (
            <>
              <Th title="Rerank score">Rerank</Th>
              <Th title="Rank before rerank (fused)" className="xl:hidden" narrow>
                From
              </Th>
              <Th title="Movement (fused rank − rerank rank)" className="xl:hidden" always>
                Move
              </Th>
              <Th title="Passage tokens the reranker cut off to fit its input" narrow>
                <abbr title="Tokens truncated" className="no-underline">
                  Trunc
                </abbr>
              </Th>
            </>
          )}
          {final && (
            <Th title={mark.title} always>
              {mark.header}
            </Th>
          )}
          {onLabel && (
            <th scope="col" className={`${th} hidden w-px sm:table-cell`} title="Your relevance judgement">
              Label
            </th>
          )}
        </tr>
      </thead>
      <tbody>
        {rows.map((row, i) => {
          const rank = fused ? row.fusedRank : row.rerankRank;
          const reached = answer.reached.has(row.chunkId);
          const cited = answer.cited.has(row.chunkId);
          const isSelected = focus.selected === row.chunkId;
          const isHovered = focus.hovered === row.chunkId;
          const isExpanded = expanded.has(row.chunkId);
          const move = moveOf(row, topN);
          const flag = instructionLike.get(row.chunkId);
          const textId = `${idPrefix}passage-${mode}-${row.chunkId}`;
          return (
            <Fragment key={row.chunkId}>
              {i === topN && (
                <tr aria-hidden>
                  <td
                    colSpan={colCount}
                    className="border-t-2 border-dashed border-indigo-300 px-2 py-0.5 text-[10px] uppercase tracking-wide text-indigo-500"
                  >
                    {!final
                      ? `top ${topN} above, had there been no rerank`
                      : marks === "evidence"
                        ? `top ${topN} above: graded in this round`
                        : `top ${topN} above → the answer`}
                  </td>
                </tr>
              )}
              <tr
                ref={(el) => rowRef?.(row.chunkId, el)}
                data-testid="inspect-row"
                data-chunk-id={row.chunkId}
                data-rank={rank ?? ""}
                data-move={move.kind}
                data-in-answer={reached ? "true" : "false"}
                data-cited={cited ? "true" : "false"}
                data-selected={isSelected ? "true" : "false"}
                data-hovered={isHovered ? "true" : "false"}
                data-expanded={isExpanded ? "true" : "false"}
                onMouseEnter={() => onHover(row.chunkId)}
                onMouseLeave={() => onHover(null)}
                onFocus={() => onHover(row.chunkId)}
                onBlur={() => onHover(null)}
                onClick={() => onSelect(row.chunkId, mode)}
                className={`cursor-pointer border-t border-slate-100 align-top transition-colors ${
                  isHovered
                    ? "bg-amber-50"
                    : isSelected
                      ? "bg-indigo-50 outline-1 -outline-offset-1 outline-indigo-300"
                      : "hover:bg-slate-50"
                }`}
              >
                <td className="px-2 py-1.5 text-right font-mono font-semibold text-slate-700">{formatRank(rank)}</td>
                <td className="max-w-0 px-2 py-1.5">
                  <div className="flex items-center gap-1.5">
                    {/* The row takes the click; this button gives it a keyboard stop (Enter / Space). */}
                    <button
                      type="button"
                      aria-expanded={isExpanded}
                      aria-controls={isExpanded ? textId : undefined}
                      data-testid="inspect-expand"
                      className="flex min-w-0 items-center gap-1.5 rounded text-left focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-indigo-600"
                    >
                      <span aria-hidden className="text-slate-400">
                        {isExpanded ? "▾" : "▸"}
                      </span>
                      <span className="truncate font-medium text-slate-800" title={row.documentName}>
                        {row.documentName}
                      </span>
                      <span className="shrink-0 font-mono text-[10px] text-slate-500">#{row.chunkId}</span>
                      <span className="sr-only">
                        {`, ${fused ? "fused" : "rerank"} rank ${formatRank(rank)}`}
                        {row.rerankRank != null ? `, ${describeMove(move, topN)}` : ""}
                        {reached ? `, ${mark.reached}` : ""}
                        {cited ? ", cited" : ""}
                      </span>
                    </button>
                    {flag && <InstructionFlag result={flag} />}
                  </div>
                  {!isExpanded && (
                    <p className="truncate pl-4 text-slate-600" lang={langOf(row.text)}>
                      <Highlighted text={row.text} terms={highlightTerms} />
                    </p>
                  )}
                </td>
                {fused ? (
                  <>
                    <RankScore rank={row.bm25Rank} score={row.bm25Score} digits={2} />
                    <RankScore rank={row.vectorRank} score={row.vectorScore} digits={3} />
                    <Td>{formatScore(row.fusedScore, 3)}</Td>
                    <Td className="text-slate-600 xl:hidden" always>
                      {formatRank(row.rerankRank)}
                    </Td>
                  </>
                ) : (
                  <>
                    <Td>{formatScore(row.rerankScore, 3)}</Td>
                    <Td className="text-slate-600 xl:hidden" narrow>
                      {row.fusedRank}
                    </Td>
                    <td className="px-2 py-1.5 text-center xl:hidden">
                      <MoveBadge move={move} topN={topN} />
                    </td>
                    <Td className={row.truncatedTokens ? "text-amber-700" : "text-slate-500"} narrow>
                      {row.truncatedTokens ?? "—"}
                    </Td>
                  </>
                )}
                {final && (
                  <td className="whitespace-nowrap px-2 py-1.5 text-center">
                    <AnswerMarks reached={reached} cited={cited} reachedLabel={mark.reached} />
                  </td>
                )}
                {onLabel && (
                  <td className="hidden whitespace-nowrap px-2 py-1 sm:table-cell">
                    <LabelControl
                      name={`${idPrefix}label-${mode}-${row.chunkId}`}
                      chunkId={row.chunkId}
                      grade={labels?.get(row.chunkId)}
                      onChange={(grade) => onLabel(row.chunkId, grade)}
                    />
                  </td>
                )}
              </tr>
              {isExpanded && (
                <tr
                  id={textId}
                  className={isSelected ? "bg-indigo-50/60" : ""}
                  data-testid="inspect-row-text"
                  onMouseEnter={() => onHover(row.chunkId)}
                  onMouseLeave={() => onHover(null)}
                >
                  <td colSpan={colCount} className="px-2 pb-2 sm:pl-11">
                    <PassageFacts
                      row={row}
                      move={move}
                      topN={topN}
                      reached={reached}
                      cited={cited}
                      reachedLabel={mark.reached}
                    />
                    <p
                      className="whitespace-pre-wrap break-words rounded border border-slate-200 bg-white p-2 text-[13px] leading-relaxed text-slate-800"
                      style={serifFont}
                      lang={langOf(row.text)}
                      data-testid="inspect-passage-text"
                    >
                      <Highlighted text={row.text} terms={highlightTerms} />
                    </p>
                    <div className="mt-1 flex flex-wrap items-center gap-3">
                      <Link
                        href={documentHref(row.documentId, row.chunkId)}
                        className="inline-block rounded text-indigo-700 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-600"
                        onClick={(e) => e.stopPropagation()}
                      >
                        Open in document →
                      </Link>
                      {onLabel && (
                        <span className="sm:hidden">
                          <LabelControl
                            name={`${idPrefix}label-${mode}-${row.chunkId}-details`}
                            chunkId={row.chunkId}
                            grade={labels?.get(row.chunkId)}
                            onChange={(grade) => onLabel(row.chunkId, grade)}
                          />
                        </span>
                      )}
                    </div>
                  </td>
                </tr>
              )}
            </Fragment>
          );
        })}
      </tbody>
    </table>
  );
}

/**
 * A numeric column. Narrow screens (below 640 px) keep only the rank, movement and answer columns (`always`);
 * `narrow` ones also show from 640 px, the others from the `md` breakpoint. The expanded passage lists them all.
 */
function Th({
  children,
  title,
  className = "",
  always,
  narrow,
}: {
  children: ReactNode;
  title: string;
  className?: string;
  always?: boolean;
  narrow?: boolean;
}) {
  const show = always ? "" : narrow ? "hidden sm:table-cell" : "hidden md:table-cell";
  return (
    <th
      scope="col"
      title={title}
      className={`w-px whitespace-nowrap px-2 py-1.5 text-right font-medium ${show} ${className}`}
    >
      {children}
    </th>
  );
}

function Td({
  children,
  className = "",
  always,
  narrow,
}: {
  children: ReactNode;
  className?: string;
  always?: boolean;
  narrow?: boolean;
}) {
  const show = always ? "" : narrow ? "hidden sm:table-cell" : "hidden md:table-cell";
  return <td className={`whitespace-nowrap px-2 py-1.5 text-right font-mono ${show} ${className}`}>{children}</td>;
}

function RankScore({ rank, score, digits }: { rank: number | null; score: number | null; digits: number }) {
  return (
    <Td>
      <span className={rank == null ? "text-slate-500" : "text-slate-800"}>{formatRank(rank)}</span>
      <span className="ml-1 text-[10px] text-slate-500">{rank == null ? "" : formatScore(score, digits)}</span>
    </Td>
  );
}

/** The movement as a badge (narrow screens, where the lines between the columns are not drawn). */
export function MoveBadge({ move, topN }: { move: Move; topN: number }) {
  const title = describeMove(move, topN);
  if (move.kind === "none") return <span className="font-mono text-xs text-slate-500">·</span>;
  const text =
    move.kind === "same"
      ? "="
      : `${move.delta > 0 ? "▲" : "▼"}${Math.abs(move.delta)}${move.kind === "entered" ? " in" : move.kind === "left" ? " out" : ""}`;
  const strong = move.kind === "entered" || move.kind === "left";
  return (
    <span
      data-testid="move-badge"
      data-movement={move.delta}
      title={title}
      className={`inline-block whitespace-nowrap rounded px-1 font-mono text-[11px] font-semibold ${
        strong ? "text-white" : move.kind === "same" ? "text-slate-500" : ""
      }`}
      style={strong ? { backgroundColor: badgeColor(move) } : move.kind === "same" ? {} : { color: textColor(move) }}
    >
      <span aria-hidden>{text}</span>
      <span className="sr-only">{title}</span>
    </span>
  );
}

// Text needs more contrast than a line: the theme's movement text colours (app/globals.css), and for white
// text on a badge the darkest shade of the direction in both themes.
const textColor = (move: Move) => (move.delta > 0 ? "var(--move-up-text)" : "var(--move-down-text)");
const badgeColor = (move: Move) => (move.delta > 0 ? "var(--move-entered-badge)" : "var(--move-left-badge)");

function AnswerMarks({ reached, cited, reachedLabel }: { reached: boolean; cited: boolean; reachedLabel: string }) {
  if (!reached && !cited) return <span className="text-slate-500">—</span>;
  return (
    <span className="inline-flex items-center gap-1">
      {reached && (
        <span
          className="font-semibold text-emerald-700"
          title={reachedLabel === MARKS.answer.reached ? "Reached the answer (in the top n)" : reachedLabel}
          data-testid="in-answer"
        >
          ●<span className="sr-only">{reachedLabel}</span>
        </span>
      )}
      {cited && (
        <span
          className="rounded bg-indigo-600 px-1 text-[10px] font-semibold text-white"
          title="Cited by the answer"
          data-testid="cited"
        >
          cited
        </span>
      )}
    </span>
  );
}

/** Every stage's rank and score for one passage: all of it, also what narrow screens leave out of the row. */
function PassageFacts({
  row,
  move,
  topN,
  reached,
  cited,
  reachedLabel,
}: {
  row: SearchResultRow;
  move: Move;
  topN: number;
  reached: boolean;
  cited: boolean;
  reachedLabel: string;
}) {
  const facts: [string, string][] = [
    ["BM25", `${formatRank(row.bm25Rank)} · ${formatScore(row.bm25Score, 3)}`],
    ["Vector", `${formatRank(row.vectorRank)} · ${formatScore(row.vectorScore, 3)}`],
    ["Fused", `${row.fusedRank} · ${formatScore(row.fusedScore, 4)}`],
    ["Rerank", `${formatRank(row.rerankRank)} · ${formatScore(row.rerankScore, 4)}`],
    ["Movement", describeMove(move, topN)],
    ["Tokens truncated", row.truncatedTokens == null ? "—" : String(row.truncatedTokens)],
    [reachedLabel[0].toUpperCase() + reachedLabel.slice(1), reached ? "yes" : "no"],
    ["Cited", cited ? "yes" : "no"],
  ];
  return (
    <dl
      className="mb-1.5 grid grid-cols-[auto_minmax(0,1fr)] gap-x-3 gap-y-0.5 text-[11px] sm:grid-cols-[repeat(4,auto_minmax(0,1fr))] xl:grid-cols-[repeat(2,auto_minmax(0,1fr))]"
      data-testid="inspect-passage-facts"
    >
      {facts.map(([term, value]) => (
        <Fragment key={term}>
          <dt className="text-slate-500">{term}</dt>
          <dd className="whitespace-nowrap font-mono text-slate-800">{value}</dd>
        </Fragment>
      ))}
    </dl>
  );
}
