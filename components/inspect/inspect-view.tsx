"use client";

import Link from "next/link";
import { useMemo } from "react";
import type { RunRecord } from "@/components/api-types";
import { describeFusion } from "@/components/format";
import { Badge } from "@/components/ui/badge";
import { Panel } from "@/components/ui/panel";
import { correctiveOf } from "@/lib/retrieval/corrective/describe";
import { ConversationContext } from "./conversation-context";
import { CorrectiveRounds } from "./corrective-rounds";
import { highlightTerms, langOf, sansFont } from "./highlight";
import { moveOf } from "./movement";
import { RankingComparison, runTopN } from "./ranking-comparison";
import { TimingsBar } from "./timings-bar";
import { useRunLabels, useSetLabel } from "./use-labels";
import { useRun } from "./use-run";
import { WhatIfPanel } from "./what-if-panel";

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
  const topN = runTopN(run);
  const corrective = correctiveOf(run.params);
  const terms = useMemo(() => highlightTerms(run.query), [run.query]);
  const labels = useRunLabels(run.runId);
  const setLabel = useSetLabel(run.runId);
  const onLabel = (chunkId: number, grade: Parameters<typeof setLabel.mutate>[0]["grade"]) =>
    setLabel.mutate({ chunkId, grade });

  const moves = run.reranked ? run.results.map((r) => moveOf(r, topN)) : [];
  const count = (...kinds: string[]) => moves.filter((m) => kinds.includes(m.kind)).length;

  return (
    <div className="flex flex-col gap-4" style={sansFont}>
      <div className="flex flex-col gap-1">
        <div className="flex flex-wrap items-center gap-2 text-xs text-slate-500">
          <Link
            href="/chat"
            className="rounded hover:text-slate-900 focus-visible:outline-2 focus-visible:outline-indigo-600"
          >
            ← Chat
          </Link>
          <span aria-hidden>·</span>
          <span>run</span>
          <span className="break-all font-mono text-slate-700" data-testid="inspect-run-id">
            {run.runId}
          </span>
          <span aria-hidden>·</span>
          <time dateTime={run.createdAt}>{new Date(run.createdAt).toLocaleString()}</time>
          {run.replayOf && (
            <>
              <span aria-hidden>·</span>
              <span data-testid="inspect-replay-of">
                replay of{" "}
                <Link
                  href={`/inspect/${run.replayOf}`}
                  className="rounded font-mono text-indigo-700 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-600"
                >
                  {run.replayOf.slice(0, 8)}…
                </Link>
              </span>
            </>
          )}
        </div>
        <h1 className="text-lg font-semibold break-words" data-testid="inspect-query" lang={langOf(run.query)}>
          “{run.query}”
        </h1>
        <div className="flex flex-wrap items-center gap-2">
          {run.reranked ? (
            <Badge tone="green" data-testid="inspect-reranked">
              reranked
            </Badge>
          ) : (
            <Badge tone="amber" data-testid="not-reranked-badge" className="whitespace-normal">
              not reranked{run.rerankSkippedReason ? `: ${run.rerankSkippedReason}` : ""}
            </Badge>
          )}
          {corrective && (
            <Badge tone="indigo" data-testid="inspect-mode">
              corrective · {corrective.rounds.length} round{corrective.rounds.length === 1 ? "" : "s"}
            </Badge>
          )}
          {run.rerankModel && (
            <Badge tone="indigo" className="max-w-full">
              <span className="truncate font-mono">
                {run.rerankModel.id}@{run.rerankModel.version}
              </span>
            </Badge>
          )}
          {run.reranked && (
            <span className="font-mono text-xs text-slate-600" data-testid="inspect-move-summary">
              <span className="text-emerald-700">▲{count("up", "entered")}</span>{" "}
              <span className="text-red-700">▼{count("down", "left")}</span> of {run.results.length} ·{" "}
              {count("entered")} entered, {count("left")} left the top {topN}
            </span>
          )}
        </div>
      </div>

      <div className="grid grid-cols-1 gap-4 lg:grid-cols-[minmax(0,2fr)_minmax(0,3fr)]">
        <Panel title="Parameters" bodyClassName="px-3 py-2">
          <dl className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-4 gap-y-1 text-xs" data-testid="inspect-params">
            <dt className="text-slate-500">mode</dt>
            <dd className="font-mono">
              {corrective
                ? `corrective (≤ ${corrective.maxRounds} rounds, threshold ${corrective.threshold}, ${corrective.minRelevant} relevant)`
                : "single"}
            </dd>
            <dt className="text-slate-500">k</dt>
            <dd className="font-mono">{run.params?.k ?? "—"}</dd>
            <dt className="text-slate-500">topN</dt>
            <dd className="font-mono">{topN}</dd>
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

      <ConversationContext params={run.params} />

      <WhatIfPanel key={run.runId} run={run} />

      {setLabel.isError && (
        <p className="rounded border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700" role="alert">
          The label was not saved: {setLabel.error.message}
        </p>
      )}

      {corrective && <CorrectiveRounds run={run} corrective={corrective} />}

      <RankingComparison
        run={run}
        terms={terms}
        labels={labels.data}
        onLabel={onLabel}
        {...(corrective ? { heading: "Final evidence, every round merged: rankings before and after rerank" } : {})}
      />

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
