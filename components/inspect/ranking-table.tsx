"use client";

import Link from "next/link";
import { Fragment, useEffect, useMemo, useRef } from "react";
import type { SearchResultRow } from "@/components/api-types";
import { documentHref, formatRank, formatScore } from "@/components/format";
import { Movement, movementOf } from "@/components/ui/movement";
import { detectInstructionLike } from "@/lib/security/injection";
import { Highlighted, langOf, serifFont } from "./highlight";
import { InstructionFlag } from "./instruction-flag";
import { LabelControl } from "./label-control";
import type { Grade } from "./use-labels";

export type RankingMode = "fused" | "rerank";

export interface RowFocus {
  hovered: number | null;
  selected: number | null;
  /** Which table the selection came from, so only the other one scrolls to it. */
  source: RankingMode | null;
}

export function RankingTable({
  mode,
  rows,
  answerChunkIds,
  cutoff,
  focus,
  expanded,
  onHover,
  onSelect,
  highlightTerms = [],
  labels,
  onLabel,
}: {
  mode: RankingMode;
  rows: SearchResultRow[];
  answerChunkIds: Set<number>;
  /** Rows above this rank are the ones an answer may use (topN); a divider marks the cut. */
  cutoff?: number;
  focus: RowFocus;
  expanded: Set<number>;
  onHover: (chunkId: number | null) => void;
  onSelect: (chunkId: number, source: RankingMode) => void;
  /** Query words to highlight in expanded passages. */
  highlightTerms?: string[];
  /** Relevance judgements by chunk id; with onLabel, each row gets a control to set its own. */
  labels?: Map<number, Grade>;
  onLabel?: (chunkId: number, grade: Grade | null) => void;
}) {
  const rowRefs = useRef(new Map<number, HTMLTableRowElement>());

  useEffect(() => {
    if (focus.selected == null || focus.source === mode) return;
    rowRefs.current.get(focus.selected)?.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }, [focus.selected, focus.source, mode]);

  const colCount = (mode === "fused" ? 8 : 7) + (onLabel ? 1 : 0);
  // Client-side, from the passage text itself: a hint for the reader, so no API field is needed.
  const instructionLike = useMemo(() => new Map(rows.map((r) => [r.chunkId, detectInstructionLike(r.text)])), [rows]);

  return (
    <table className="w-full border-collapse text-left text-xs" data-testid={`inspect-table-${mode}`}>
      <thead className="sticky top-0 z-10 bg-slate-50 text-[11px] uppercase tracking-wide text-slate-500 shadow-[0_1px_0_0_rgb(226_232_240)]">
        <tr>
          <th className="w-9 px-2 py-1.5 text-right font-medium">#</th>
          <th className="px-2 py-1.5 font-medium">Passage</th>
          {mode === "fused" ? (
            <>
              <th className="w-px whitespace-nowrap px-2 py-1.5 text-right font-medium" title="BM25 rank (score)">
                BM25
              </th>
              <th className="w-px whitespace-nowrap px-2 py-1.5 text-right font-medium" title="Vector rank (cosine)">
                Vector
              </th>
              <th className="w-px whitespace-nowrap px-2 py-1.5 text-right font-medium">Fused</th>
              <th className="w-px whitespace-nowrap px-2 py-1.5 text-right font-medium" title="Rank after rerank">
                →
              </th>
            </>
          ) : (
            <>
              <th className="w-px whitespace-nowrap px-2 py-1.5 text-right font-medium">Rerank</th>
              <th
                className="w-px whitespace-nowrap px-2 py-1.5 text-right font-medium"
                title="Rank before rerank (fused)"
              >
                Fused #
              </th>
            </>
          )}
          <th className="w-px whitespace-nowrap px-2 py-1.5 text-center font-medium" title="fusedRank − rerankRank">
            Move
          </th>
          <th className="w-6 px-2 py-1.5 text-center font-medium" title="Reached the answer">
            Ans
          </th>
          {onLabel && (
            <th className="w-px whitespace-nowrap px-2 py-1.5 font-medium" title="Your relevance judgement">
              Label
            </th>
          )}
        </tr>
      </thead>
      <tbody>
        {rows.map((row, i) => {
          const rank = mode === "fused" ? row.fusedRank : row.rerankRank;
          const inAnswer = answerChunkIds.has(row.chunkId);
          const isSelected = focus.selected === row.chunkId;
          const isHovered = focus.hovered === row.chunkId;
          const isExpanded = expanded.has(row.chunkId);
          const showCut = cutoff != null && i === cutoff && i < rows.length;
          const delta = movementOf(row.fusedRank, row.rerankRank);
          const flag = instructionLike.get(row.chunkId);
          return (
            <Fragment key={row.chunkId}>
              {showCut && (
                <tr aria-hidden>
                  <td
                    colSpan={colCount}
                    className="border-t-2 border-dashed border-indigo-300 px-2 py-0.5 text-[10px] uppercase tracking-wide text-indigo-500"
                  >
                    top {cutoff} above · not sent to the answer below
                  </td>
                </tr>
              )}
              <tr
                ref={(el) => {
                  if (el) rowRefs.current.set(row.chunkId, el);
                  else rowRefs.current.delete(row.chunkId);
                }}
                data-testid="inspect-row"
                data-chunk-id={row.chunkId}
                data-rank={rank ?? ""}
                data-in-answer={inAnswer ? "true" : "false"}
                data-selected={isSelected ? "true" : "false"}
                aria-expanded={isExpanded}
                onMouseEnter={() => onHover(row.chunkId)}
                onMouseLeave={() => onHover(null)}
                onClick={() => onSelect(row.chunkId, mode)}
                className={`cursor-pointer border-t border-slate-100 align-top transition-colors ${
                  isSelected
                    ? "bg-indigo-50 outline-1 -outline-offset-1 outline-indigo-300"
                    : isHovered
                      ? "bg-amber-50"
                      : "hover:bg-slate-50"
                }`}
              >
                <td className="px-2 py-1.5 text-right font-mono font-semibold text-slate-700">{formatRank(rank)}</td>
                <td className="max-w-0 px-2 py-1.5">
                  <div className="flex items-center gap-1.5">
                    <span className="text-slate-400">{isExpanded ? "▾" : "▸"}</span>
                    <span className="truncate font-medium text-slate-800" title={row.documentName}>
                      {row.documentName}
                    </span>
                    <span className="shrink-0 font-mono text-[10px] text-slate-400">#{row.chunkId}</span>
                    {flag && <InstructionFlag result={flag} />}
                  </div>
                  {!isExpanded && (
                    <p className="truncate pl-4 text-slate-500" lang={langOf(row.text)}>
                      {row.text}
                    </p>
                  )}
                </td>
                {mode === "fused" ? (
                  <>
                    <RankScore rank={row.bm25Rank} score={row.bm25Score} digits={3} />
                    <RankScore rank={row.vectorRank} score={row.vectorScore} digits={3} />
                    <td className="px-2 py-1.5 text-right font-mono">{formatScore(row.fusedScore)}</td>
                    <td className="px-2 py-1.5 text-right font-mono text-slate-600">{formatRank(row.rerankRank)}</td>
                  </>
                ) : (
                  <>
                    <td className="px-2 py-1.5 text-right font-mono">{formatScore(row.rerankScore)}</td>
                    <td className="px-2 py-1.5 text-right font-mono text-slate-600">{row.fusedRank}</td>
                  </>
                )}
                <td className="px-2 py-1.5 text-center">
                  <Movement delta={delta} />
                </td>
                <td className="px-2 py-1.5 text-center">
                  {inAnswer ? (
                    <span className="font-semibold text-emerald-600" title="Reached the answer" data-testid="in-answer">
                      ●
                    </span>
                  ) : (
                    <span className="text-slate-300">○</span>
                  )}
                </td>
                {onLabel && (
                  <td className="whitespace-nowrap px-2 py-1">
                    <LabelControl
                      name={`label-${mode}-${row.chunkId}`}
                      chunkId={row.chunkId}
                      grade={labels?.get(row.chunkId)}
                      onChange={(grade) => onLabel(row.chunkId, grade)}
                    />
                  </td>
                )}
              </tr>
              {isExpanded && (
                <tr className={isSelected ? "bg-indigo-50/60" : ""} data-testid="inspect-row-text">
                  <td />
                  <td colSpan={colCount - 1} className="px-2 pb-2">
                    <p
                      className="whitespace-pre-wrap break-words rounded border border-slate-200 bg-white p-2 text-[13px] leading-relaxed text-slate-800"
                      style={serifFont}
                      lang={langOf(row.text)}
                      data-testid="inspect-passage-text"
                    >
                      <Highlighted text={row.text} terms={highlightTerms} />
                    </p>
                    <Link
                      href={documentHref(row.documentId, row.chunkId)}
                      className="mt-1 inline-block text-indigo-700 hover:underline"
                      onClick={(e) => e.stopPropagation()}
                    >
                      Open in document →
                    </Link>
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

function RankScore({ rank, score, digits }: { rank: number | null; score: number | null; digits: number }) {
  return (
    <td className="whitespace-nowrap px-2 py-1.5 text-right font-mono">
      <span className={rank == null ? "text-slate-300" : "text-slate-800"}>{formatRank(rank)}</span>
      <span className="ml-1 text-[10px] text-slate-400">{rank == null ? "" : formatScore(score, digits)}</span>
    </td>
  );
}
