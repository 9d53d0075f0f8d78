"use client";

import Link from "next/link";
import { useMemo, useState } from "react";
import type { RunRecord } from "@/components/api-types";
import { describeFusion } from "@/components/format";
import { byFusedRank, byRerankRank } from "@/components/rankings";
import { Badge } from "@/components/ui/badge";
import { Panel } from "@/components/ui/panel";
import { highlightTerms, langOf, sansFont } from "./highlight";
import { RankingTable, type RankingMode, type RowFocus } from "./ranking-table";
import { TimingsBar } from "./timings-bar";
import { useRunLabels, useSetLabel } from "./use-labels";
import { useRun } from "./use-run";

export function InspectView({ runId }: { runId: string }) {
  const run = useRun(runId);
  if (run.isPending) return <p className="py-8 text-center text-slate-500">Loading run…</p>;
  if (run.isError) {
    return (
      <p className="py-8 text-center text-red-700" role="alert">
        Could not load run <span className="font-mono">{runId}</span>: {run.error.message}
      </p>
    );
  }
  return <RunDetails run={run.data} />;
}

function RunDetails({ run }: { run: RunRecord }) {
  const [focus, setFocus] = useState<RowFocus>({ hovered: null, selected: null, source: null });
  const [expanded, setExpanded] = useState<Set<number>>(() => new Set());

  const fused = useMemo(() => byFusedRank(run.results), [run.results]);
  const reranked = useMemo(() => byRerankRank(run.results), [run.results]);
  const answerIds = useMemo(() => new Set(run.answerChunkIds ?? []), [run.answerChunkIds]);
  const topN = run.params?.topN;
  const terms = useMemo(() => highlightTerms(run.query), [run.query]);
  const labels = useRunLabels(run.runId);
  const setLabel = useSetLabel(run.runId);
  const onLabel = (chunkId: number, grade: Parameters<typeof setLabel.mutate>[0]["grade"]) =>
    setLabel.mutate({ chunkId, grade });

  const onHover = (chunkId: number | null) => setFocus((f) => ({ ...f, hovered: chunkId }));
  const onSelect = (chunkId: number, source: RankingMode) => {
    setFocus((f) => ({ ...f, selected: f.selected === chunkId ? null : chunkId, source }));
    setExpanded((prev) => {
      const next = new Set(prev);
      if (next.has(chunkId)) next.delete(chunkId);
      else next.add(chunkId);
      return next;
    });
  };

  const movedUp = run.reranked
    ? run.results.filter((r) => r.rerankRank != null && r.rerankRank < r.fusedRank).length
    : 0;
  const movedDown = run.reranked
    ? run.results.filter((r) => r.rerankRank != null && r.rerankRank > r.fusedRank).length
    : 0;

  return (
    <div className="flex flex-col gap-4" style={sansFont}>
      <div className="flex flex-col gap-1">
        <div className="flex flex-wrap items-center gap-2 text-xs text-slate-500">
          <Link href="/chat" className="hover:text-slate-900">
            ← Chat
          </Link>
          <span>·</span>
          <span>run</span>
          <span className="font-mono text-slate-700" data-testid="inspect-run-id">
            {run.runId}
          </span>
          <span>·</span>
          <time dateTime={run.createdAt}>{new Date(run.createdAt).toLocaleString()}</time>
        </div>
        <h1 className="text-lg font-semibold" data-testid="inspect-query" lang={langOf(run.query)}>
          “{run.query}”
        </h1>
        <div className="flex flex-wrap items-center gap-2">
          {run.reranked ? (
            <Badge tone="green" data-testid="inspect-reranked">
              reranked
            </Badge>
          ) : (
            <Badge tone="amber" data-testid="not-reranked-badge">
              not reranked{run.rerankSkippedReason ? `: ${run.rerankSkippedReason}` : ""}
            </Badge>
          )}
          {run.rerankModel && (
            <Badge tone="indigo">
              <span className="font-mono">
                {run.rerankModel.id}@{run.rerankModel.version}
              </span>
            </Badge>
          )}
          {run.reranked && (
            <span className="font-mono text-xs text-slate-500">
              <span className="text-emerald-600">▲{movedUp}</span> <span className="text-red-600">▼{movedDown}</span> of{" "}
              {run.results.length}
            </span>
          )}
        </div>
      </div>

      <div className="grid grid-cols-1 gap-4 lg:grid-cols-[minmax(0,2fr)_minmax(0,3fr)]">
        <Panel title="Parameters" bodyClassName="px-3 py-2">
          <dl className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-4 gap-y-1 text-xs" data-testid="inspect-params">
            <dt className="text-slate-500">k</dt>
            <dd className="font-mono">{run.params?.k ?? "—"}</dd>
            <dt className="text-slate-500">topN</dt>
            <dd className="font-mono">{topN ?? "—"}</dd>
            <dt className="text-slate-500">fusion</dt>
            <dd className="font-mono">{describeFusion(run.params?.fusion)}</dd>
            <dt className="text-slate-500">rerank</dt>
            <dd className="font-mono">{run.params?.rerank === false ? "off" : "on"}</dd>
            {run.params?.bm25 && (
              <>
                <dt className="text-slate-500">bm25</dt>
                <dd className="font-mono">
                  k1 {run.params.bm25.k1} · b {run.params.bm25.b}
                </dd>
              </>
            )}
            {run.params?.documentIds && run.params.documentIds.length > 0 && (
              <>
                <dt className="text-slate-500">documents</dt>
                <dd className="font-mono">{run.params.documentIds.length} selected</dd>
              </>
            )}
            <dt className="text-slate-500">candidates</dt>
            <dd className="font-mono">{run.results.length}</dd>
          </dl>
        </Panel>
        <Panel title="Stage timings" bodyClassName="px-3 py-3">
          <TimingsBar timings={run.timings} />
        </Panel>
      </div>

      {setLabel.isError && (
        <p className="rounded border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700" role="alert">
          The label was not saved: {setLabel.error.message}
        </p>
      )}

      <div className="grid grid-cols-1 gap-4 xl:grid-cols-2">
        <Panel
          title="Before rerank (fused)"
          actions={<span className="text-xs text-slate-400">ordered by fusedRank</span>}
          bodyClassName="max-h-[75vh] overflow-auto"
        >
          <RankingTable
            mode="fused"
            rows={fused}
            answerChunkIds={answerIds}
            cutoff={run.reranked ? undefined : topN}
            focus={focus}
            expanded={expanded}
            onHover={onHover}
            onSelect={onSelect}
            highlightTerms={terms}
            labels={labels.data}
            onLabel={onLabel}
          />
        </Panel>
        <Panel
          title="After rerank"
          actions={<span className="text-xs text-slate-400">ordered by rerankRank</span>}
          bodyClassName="max-h-[75vh] overflow-auto"
        >
          {run.reranked ? (
            <RankingTable
              mode="rerank"
              rows={reranked}
              answerChunkIds={answerIds}
              cutoff={topN}
              focus={focus}
              expanded={expanded}
              onHover={onHover}
              onSelect={onSelect}
              highlightTerms={terms}
              labels={labels.data}
              onLabel={onLabel}
            />
          ) : (
            <div className="px-4 py-10 text-center" data-testid="inspect-rerank-skipped">
              <p className="font-medium text-amber-800">This run was not reranked.</p>
              <p className="mt-1 text-slate-600">
                Reason: <span className="font-mono">{run.rerankSkippedReason ?? "unknown"}</span>
              </p>
              <p className="mt-2 text-xs text-slate-500">The answer used the fused order on the left.</p>
            </div>
          )}
        </Panel>
      </div>

      {run.answer && (
        <Panel title="Answer" bodyClassName="px-3 py-2">
          <p className="whitespace-pre-wrap text-slate-800" data-testid="inspect-answer" lang={langOf(run.answer)}>
            {run.answer}
          </p>
        </Panel>
      )}
    </div>
  );
}
