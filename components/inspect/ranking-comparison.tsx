"use client";

import { useCallback, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from "react";
import type { RunRecord } from "@/components/api-types";
import { byFusedRank, byRerankRank } from "@/components/rankings";
import { Panel } from "@/components/ui/panel";
import { MOVE_LEGEND, moveColor, moveOf, type Move } from "./movement";
import { RankingTable, type AnswerUse, type RankingMode, type RowFocus } from "./ranking-table";
import type { Grade } from "./use-labels";

/** Until the issue that made topN part of every run: the answer's default. */
const DEFAULT_TOP_N = 5;

export function runTopN(run: Pick<RunRecord, "params">): number {
  return run.params?.topN ?? DEFAULT_TOP_N;
}

/**
 * The two rankings side by side (fused | lines | reranked) on wide screens, one above the other on
 * narrow ones (where each reranked row carries a movement badge instead of a line).
 */
export function RankingComparison({
  run,
  terms,
  labels,
  onLabel,
  idPrefix = "",
  heading = "Rankings before and after rerank",
  evidence,
  testId = "inspect-rankings",
}: {
  run: RunRecord;
  terms: string[];
  labels?: Map<number, Grade>;
  onLabel?: (chunkId: number, grade: Grade | null) => void;
  /** Prefixes the element ids, so several comparisons can share a page (a corrective run's rounds). */
  idPrefix?: string;
  heading?: string;
  /** A corrective round's view: marks the passages of the run's final evidence instead of the answer's. */
  evidence?: Set<number>;
  testId?: string;
}) {
  const [focus, setFocus] = useState<RowFocus>({ hovered: null, selected: null, source: null });
  const [expanded, setExpanded] = useState<Set<number>>(() => new Set());
  const fused = useMemo(() => byFusedRank(run.results), [run.results]);
  const reranked = useMemo(() => byRerankRank(run.results), [run.results]);
  const topN = runTopN(run);
  const answer = useMemo<AnswerUse>(() => {
    if (evidence) return { reached: evidence, cited: new Set() };
    const hasAnswer = run.answer != null || run.answerRedacted === true;
    const finalOrder = run.reranked ? reranked : fused;
    return {
      reached: new Set(hasAnswer ? finalOrder.slice(0, topN).map((r) => r.chunkId) : []),
      cited: new Set(run.answerChunkIds ?? []),
    };
  }, [evidence, run.answer, run.answerRedacted, run.answerChunkIds, run.reranked, reranked, fused, topN]);

  const onHover = useCallback((chunkId: number | null) => setFocus((f) => ({ ...f, hovered: chunkId })), []);
  const onSelect = useCallback((chunkId: number, source: RankingMode) => {
    setFocus((f) => ({ ...f, selected: f.selected === chunkId ? null : chunkId, source }));
    setExpanded((prev) => {
      const next = new Set(prev);
      if (next.has(chunkId)) next.delete(chunkId);
      else next.add(chunkId);
      return next;
    });
  }, []);

  // Row elements by chunk id, filled in by the tables as they mount (read when the lines are measured).
  const [rows] = useState<RowElements>(() => ({ fused: new Map(), rerank: new Map() }));
  const rowRef = useMemo(() => {
    const register = (mode: RankingMode) => (chunkId: number, el: HTMLElement | null) => {
      if (el) rows[mode].set(chunkId, el);
      else rows[mode].delete(chunkId);
    };
    return { fused: register("fused"), rerank: register("rerank") };
  }, [rows]);

  const common = {
    topN,
    answer,
    focus,
    expanded,
    onHover,
    onSelect,
    highlightTerms: terms,
    labels,
    onLabel,
    idPrefix,
    marks: evidence ? ("evidence" as const) : ("answer" as const),
  };
  const Heading = idPrefix ? "h3" : "h2";
  return (
    <section aria-labelledby={`${idPrefix}rankings-heading`} className="flex flex-col gap-2" data-testid={testId}>
      <div className="flex flex-wrap items-baseline gap-x-4 gap-y-1">
        <Heading id={`${idPrefix}rankings-heading`} className="text-sm font-semibold text-slate-800">
          {heading}
        </Heading>
        {run.reranked && <Legend topN={topN} />}
      </div>
      <div className="xl:max-h-[80vh] xl:overflow-auto xl:rounded-md" data-testid="inspect-rankings-scroll">
        <ComparisonGrid run={run} rows={rows} fused={fused} topN={topN} focus={focus} expanded={expanded}>
          <Panel
            title="Before rerank (fused)"
            actions={<span className="text-xs text-slate-500">ordered by fused rank</span>}
            bodyClassName="overflow-x-auto xl:overflow-visible"
          >
            <RankingTable mode="fused" rows={fused} final={!run.reranked} rowRef={rowRef.fused} {...common} />
          </Panel>
          <Panel
            title="After rerank"
            actions={<span className="text-xs text-slate-500">ordered by rerank rank</span>}
            bodyClassName="overflow-x-auto xl:overflow-visible"
          >
            {run.reranked ? (
              <RankingTable mode="rerank" rows={reranked} final rowRef={rowRef.rerank} {...common} />
            ) : (
              <div className="px-4 py-10 text-center" data-testid="inspect-rerank-skipped">
                <p className="font-medium text-amber-800">This run was not reranked.</p>
                <p className="mt-1 text-slate-600">
                  Reason: <span className="font-mono">{run.rerankSkippedReason ?? "unknown"}</span>
                </p>
                <p className="mt-2 text-xs text-slate-500">
                  {run.answer != null ? "The answer used the fused order." : "Its final order is the fused one."}
                </p>
              </div>
            )}
          </Panel>
        </ComparisonGrid>
      </div>
    </section>
  );
}

type RowElements = { fused: Map<number, HTMLElement>; rerank: Map<number, HTMLElement> };

type Line = { chunkId: number; y1: number; y2: number; move: Move; beyondCut: boolean };

/** The grid of the two panels with the lines between them (drawn only where the columns sit side by side). */
function ComparisonGrid({
  run,
  rows,
  fused,
  topN,
  focus,
  expanded,
  children,
}: {
  run: RunRecord;
  rows: RowElements;
  fused: RunRecord["results"];
  topN: number;
  focus: RowFocus;
  expanded: Set<number>;
  children: [ReactNode, ReactNode];
}) {
  const grid = useRef<HTMLDivElement>(null);
  const svg = useRef<SVGSVGElement>(null);
  const [lines, setLines] = useState<Line[]>([]);
  const [width, setWidth] = useState(0);

  useLayoutEffect(() => {
    const el = grid.current;
    if (!el || !run.reranked) return;
    let frame = 0;
    const measure = () => {
      frame = 0;
      const s = svg.current;
      // Hidden (stacked columns): nothing to draw.
      if (!s || s.getClientRects().length === 0) {
        setLines((prev) => (prev.length ? [] : prev));
        return;
      }
      const box = s.getBoundingClientRect();
      const mid = (r: DOMRect) => r.top + r.height / 2 - box.top;
      const next: Line[] = [];
      for (const row of fused) {
        const a = rows.fused.get(row.chunkId);
        const b = rows.rerank.get(row.chunkId);
        if (!a || !b || row.rerankRank == null) continue;
        next.push({
          chunkId: row.chunkId,
          y1: mid(a.getBoundingClientRect()),
          y2: mid(b.getBoundingClientRect()),
          move: moveOf(row, topN),
          beyondCut: row.fusedRank > topN && row.rerankRank > topN,
        });
      }
      setWidth(box.width);
      setLines(next);
    };
    const schedule = () => {
      if (!frame) frame = requestAnimationFrame(measure);
    };
    measure();
    const observer = new ResizeObserver(schedule);
    observer.observe(el);
    return () => {
      observer.disconnect();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [run.reranked, fused, topN, rows, expanded]);

  const active = focus.hovered ?? focus.selected;
  const w = width || 72;
  return (
    <div
      ref={grid}
      className="grid grid-cols-1 gap-4 xl:grid-cols-[minmax(0,1fr)_72px_minmax(0,1fr)] xl:gap-0"
      data-testid="inspect-comparison"
    >
      {children[0]}
      <div className="relative hidden xl:block" aria-hidden>
        {run.reranked && (
          <svg ref={svg} className="absolute inset-0 h-full w-full overflow-visible" data-testid="inspect-connectors">
            {lines.map((l) => {
              const on = active === l.chunkId;
              const dim = active != null && !on;
              const color = moveColor(l.move);
              const opacity = dim ? 0.12 : on ? 1 : l.beyondCut ? 0.35 : 0.9;
              return (
                <g
                  key={l.chunkId}
                  opacity={opacity}
                  data-testid="connector"
                  data-chunk-id={l.chunkId}
                  data-move={l.move.kind}
                >
                  <path
                    d={`M 0 ${l.y1} C ${w / 2} ${l.y1}, ${w / 2} ${l.y2}, ${w} ${l.y2}`}
                    fill="none"
                    style={{ stroke: color }}
                    strokeWidth={on ? 3 : l.move.kind === "entered" || l.move.kind === "left" ? 2 : 1.25}
                    strokeDasharray={l.move.kind === "left" ? "4 3" : undefined}
                  />
                  <circle cx={1.5} cy={l.y1} r={on ? 3 : 2} style={{ fill: color }} />
                  <path d={`M ${w - 5} ${l.y2 - 3.5} L ${w} ${l.y2} L ${w - 5} ${l.y2 + 3.5} Z`} style={{ fill: color }} />
                </g>
              );
            })}
          </svg>
        )}
      </div>
      {children[1]}
    </div>
  );
}

function Legend({ topN }: { topN: number }) {
  return (
    <ul
      className="hidden flex-wrap items-center gap-x-3 gap-y-1 text-[11px] text-slate-600 xl:flex"
      aria-label="Line colours"
    >
      {MOVE_LEGEND.map(({ move, label, dashed }) => (
        <li key={label} className="flex items-center gap-1">
          <svg width="18" height="6" aria-hidden>
            <line
              x1="0"
              y1="3"
              x2="18"
              y2="3"
              style={{ stroke: moveColor(move) }}
              strokeWidth="2"
              strokeDasharray={dashed ? "4 3" : undefined}
            />
          </svg>
          {label.replace(" n", ` ${topN}`)}
        </li>
      ))}
    </ul>
  );
}
