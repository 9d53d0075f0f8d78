"use client";

import Link from "next/link";
import { useMemo, useState } from "react";
import type { Citation, RunData, SearchResultRow } from "@/components/api-types";
import { formatScore } from "@/components/format";
import { byFusedRank, byRerankRank } from "@/components/rankings";
import { Movement, movementOf } from "@/components/ui/movement";

const TOP = 10;

/** Compact pre/post-rerank rankings of the latest answer, filled as soon as the `data-run` part arrives. */
export function LiveRankings({
  run,
  citations,
  pending,
}: {
  run: RunData | undefined;
  citations: Citation[] | undefined;
  pending: boolean;
}) {
  const [hovered, setHovered] = useState<number | null>(null);
  const cited = useMemo(() => new Set((citations ?? []).map((c) => c.chunkId)), [citations]);
  const pre = useMemo(() => byFusedRank(run?.results ?? []).slice(0, TOP), [run]);
  const post = useMemo(
    () =>
      byRerankRank(run?.results ?? [])
        .filter((r) => r.rerankRank != null)
        .slice(0, TOP),
    [run],
  );

  return (
    <section className="rounded-md border border-slate-200 bg-white" data-testid="live-rankings">
      <header className="flex items-center gap-2 border-b border-slate-200 px-3 py-2">
        <h2 className="text-xs font-semibold uppercase tracking-wide text-slate-600">Rankings · latest answer</h2>
        {run && (
          <Link
            href={`/inspect/${encodeURIComponent(run.runId)}`}
            className="ml-auto text-xs font-medium text-indigo-700 hover:underline"
          >
            Inspect →
          </Link>
        )}
      </header>
      {!run ? (
        <p className="px-3 py-6 text-center text-xs text-slate-500">
          {pending ? "Retrieving candidates…" : "Ask a question to see the first-stage and reranked orders."}
        </p>
      ) : (
        <div className="flex flex-col divide-y divide-slate-100">
          <RankList
            title="Before rerank (fused)"
            testId="live-pre-rerank"
            rows={pre}
            rankOf={(r) => r.fusedRank}
            scoreOf={(r) => r.fusedScore}
            cited={cited}
            hovered={hovered}
            onHover={setHovered}
          />
          {run.reranked ? (
            <RankList
              title="After rerank"
              testId="live-post-rerank"
              rows={post}
              rankOf={(r) => r.rerankRank}
              scoreOf={(r) => r.rerankScore}
              cited={cited}
              hovered={hovered}
              onHover={setHovered}
              showMovement
            />
          ) : (
            <div className="px-3 py-3 text-xs" data-testid="live-post-rerank">
              <p className="font-semibold uppercase tracking-wide text-slate-500">After rerank</p>
              <p className="mt-1 text-amber-800">
                Not reranked{run.rerankSkippedReason ? `: ${run.rerankSkippedReason}` : ""}. The answer used the fused
                order.
              </p>
            </div>
          )}
        </div>
      )}
    </section>
  );
}

function RankList({
  title,
  testId,
  rows,
  rankOf,
  scoreOf,
  cited,
  hovered,
  onHover,
  showMovement = false,
}: {
  title: string;
  testId: string;
  rows: SearchResultRow[];
  rankOf: (r: SearchResultRow) => number | null;
  scoreOf: (r: SearchResultRow) => number | null;
  cited: Set<number>;
  hovered: number | null;
  onHover: (id: number | null) => void;
  showMovement?: boolean;
}) {
  return (
    <div className="px-1 py-2" data-testid={testId}>
      <p className="px-2 pb-1 text-[11px] font-semibold uppercase tracking-wide text-slate-500">{title}</p>
      {rows.length === 0 ? (
        <p className="px-2 text-xs text-slate-500">No candidates.</p>
      ) : (
        <ol className="text-xs">
          {rows.map((r) => (
            <li
              key={r.chunkId}
              data-testid="live-row"
              data-chunk-id={r.chunkId}
              onMouseEnter={() => onHover(r.chunkId)}
              onMouseLeave={() => onHover(null)}
              className={`grid grid-cols-[1.5rem_minmax(0,1fr)_auto_2.5rem] items-center gap-2 rounded px-2 py-0.5 ${
                hovered === r.chunkId ? "bg-amber-50" : ""
              }`}
              title={r.text}
            >
              <span className="text-right font-mono font-semibold text-slate-700">{rankOf(r)}</span>
              <span className="flex min-w-0 items-center gap-1">
                {cited.has(r.chunkId) && (
                  <span className="text-emerald-600" title="Cited in the answer">
                    ●
                  </span>
                )}
                <span className="truncate text-slate-800">{r.documentName}</span>
                <span className="shrink-0 font-mono text-[10px] text-slate-500">#{r.chunkId}</span>
              </span>
              <span className="font-mono text-[11px] text-slate-500">{formatScore(scoreOf(r), 3)}</span>
              <span className="text-right">
                {showMovement ? (
                  <Movement delta={movementOf(r.fusedRank, r.rerankRank)} />
                ) : (
                  <span className="font-mono text-[10px] text-slate-500">
                    {r.rerankRank != null ? `→${r.rerankRank}` : ""}
                  </span>
                )}
              </span>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
