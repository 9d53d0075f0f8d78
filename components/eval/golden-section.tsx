"use client";

import Link from "next/link";
import { Button, buttonClass } from "@/components/ui/button";
import { Panel } from "@/components/ui/panel";
import { LineChart } from "./line-chart";
import { useEvaluateNow, useGoldenEvaluations, useGoldenSet } from "./use-eval";

const f3 = (v: number) => v.toFixed(3);

/** Dates along the trend; times of day when every evaluation was on the same day. */
function tickLabel(iso: string, all: { createdAt: string }[]): string {
  const day = (s: string) => new Date(s).toDateString();
  const d = new Date(iso);
  return all.every((e) => day(e.createdAt) === day(iso))
    ? d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" })
    : d.toLocaleDateString(undefined, { month: "short", day: "numeric" });
}

/** The golden set: its size, on-demand evaluation, the nDCG@5 trend with its alert, export, worst queries. */
export function GoldenSection() {
  const golden = useGoldenSet();
  const evals = useGoldenEvaluations();
  const evaluate = useEvaluateNow();

  const queries = golden.data?.queries ?? [];
  const judgements = queries.reduce((n, q) => n + q.relevant + q.partly + q.notRelevant, 0);
  const history = [...(evals.data?.evaluations ?? [])].reverse(); // oldest first, for the trend
  const latest = evals.data?.latest ?? null;
  const alert = evals.data?.alert ?? null;
  const worst = latest
    ? [...latest.perQuery]
        .sort((a, b) => a.ndcg5Reranked - b.ndcg5Reranked || a.query.localeCompare(b.query))
        .slice(0, 5)
    : [];

  return (
    <Panel
      title="Golden set"
      data-testid="golden-section"
      actions={
        <>
          <a href="/api/golden/export" download="ranklens-golden-beir.json" className={buttonClass({ size: "sm" })}>
            Export (BEIR)
          </a>
          <Button
            size="sm"
            variant="primary"
            onClick={() => evaluate.mutate()}
            disabled={evaluate.isPending || queries.length === 0}
          >
            {evaluate.isPending ? "Evaluating…" : "Evaluate now"}
          </Button>
        </>
      }
      bodyClassName="flex flex-col gap-4 px-3 py-3"
    >
      <p className="text-sm text-slate-700">
        <span className="font-semibold" data-testid="golden-count">
          {golden.isPending ? "…" : queries.length}
        </span>{" "}
        labelled {queries.length === 1 ? "query" : "queries"} · {judgements} judgements.{" "}
        <span className="text-slate-500">
          Mark candidates Relevant / Partly / Not in a run&apos;s inspect view to add to it.
        </span>
      </p>

      {alert && (
        <div
          role="alert"
          className="rounded border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800"
          data-testid="golden-alert"
          data-kind={alert.kind}
        >
          <span className="font-semibold">Ranking quality alert: </span>
          {alert.message}
        </div>
      )}
      {evaluate.isError && (
        <p role="alert" className="text-sm text-red-700">
          {evaluate.error.message}
        </p>
      )}
      {golden.isError && (
        <p role="alert" className="text-sm text-red-700">
          Could not load the golden set: {golden.error.message}
        </p>
      )}

      {latest ? (
        <div className="grid grid-cols-1 gap-4 lg:grid-cols-[minmax(0,1fr)_minmax(0,1fr)]">
          <div className="flex flex-col gap-2">
            <dl className="grid grid-cols-3 gap-2 text-center" data-testid="golden-latest">
              <div className="rounded bg-slate-50 px-2 py-1.5">
                <dt className="text-[11px] uppercase tracking-wide text-slate-500">nDCG@5 before rerank</dt>
                <dd className="font-mono text-lg" data-testid="golden-ndcg-fused">
                  {f3(latest.ndcg5Fused)}
                </dd>
              </div>
              <div className="rounded bg-slate-50 px-2 py-1.5">
                <dt className="text-[11px] uppercase tracking-wide text-slate-500">nDCG@5 after rerank</dt>
                <dd className="font-mono text-lg" data-testid="golden-ndcg-reranked">
                  {f3(latest.ndcg5Reranked)}
                </dd>
              </div>
              <div className="rounded bg-slate-50 px-2 py-1.5">
                <dt className="text-[11px] uppercase tracking-wide text-slate-500">queries scored</dt>
                <dd className="font-mono text-lg">{latest.queryCount}</dd>
              </div>
            </dl>
            <p className="text-xs text-slate-500">
              Latest evaluation <time dateTime={latest.createdAt}>{new Date(latest.createdAt).toLocaleString()}</time> ·{" "}
              {history.length} in total
            </p>
            <LineChart
              title="nDCG@5 over evaluations"
              testId="golden-trend"
              x={history.map((_, i) => i)}
              xTicks={history.map((e) => tickLabel(e.createdAt, history))}
              yMax={1}
              series={[
                {
                  name: "before rerank (fused)",
                  color: "var(--chart-fused)",
                  values: history.map((e) => e.ndcg5Fused),
                  dashed: true,
                },
                { name: "after rerank", color: "var(--chart-reranked)", values: history.map((e) => e.ndcg5Reranked) },
              ]}
            />
          </div>
          <div>
            <h3 className="mb-1 text-xs font-semibold text-slate-700">Worst queries (lowest nDCG@5 after rerank)</h3>
            <table className="w-full text-left text-xs" data-testid="golden-worst">
              <thead className="text-[11px] uppercase tracking-wide text-slate-500">
                <tr>
                  <th className="py-1 pr-2 font-medium">Query</th>
                  <th className="w-px whitespace-nowrap px-2 py-1 text-right font-medium">Before</th>
                  <th className="w-px whitespace-nowrap px-2 py-1 text-right font-medium">After</th>
                  <th
                    className="w-px whitespace-nowrap px-2 py-1 text-right font-medium"
                    title="Relevant or partly relevant / judged"
                  >
                    Rel/judged
                  </th>
                </tr>
              </thead>
              <tbody>
                {worst.map((q) => (
                  <tr key={q.goldenQueryId} className="border-t border-slate-100">
                    <td className="max-w-0 truncate py-1 pr-2">
                      <Link href={`/inspect/${q.runId}`} className="text-indigo-700 hover:underline" title={q.query}>
                        {q.query}
                      </Link>
                      {!q.reranked && <span className="ml-1 text-amber-700">(not reranked)</span>}
                    </td>
                    <td className="px-2 py-1 text-right font-mono">{f3(q.ndcg5Fused)}</td>
                    <td
                      className={`px-2 py-1 text-right font-mono ${q.ndcg5Reranked < q.ndcg5Fused ? "text-red-700" : ""}`}
                    >
                      {f3(q.ndcg5Reranked)}
                    </td>
                    <td className="px-2 py-1 text-right font-mono text-slate-500">
                      {q.relevant}/{q.judged}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      ) : (
        !evals.isPending && (
          <p className="text-sm text-slate-500" data-testid="golden-no-evaluation">
            No evaluation yet. {queries.length > 0 ? "Press “Evaluate now”." : ""}
          </p>
        )
      )}
    </Panel>
  );
}
