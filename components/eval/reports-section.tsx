"use client";

import { useState } from "react";
import type { EvalReportDetail } from "@/lib/eval/reports";
import { ApiError } from "@/components/fetch-json";
import { compactSelectClass } from "@/components/ui/field";
import { Panel } from "@/components/ui/panel";
import { ScrollArea } from "@/components/ui/scroll-area";
import { timingStage } from "@/components/timing-stages";
import { LineChart, type ChartSeries } from "./line-chart";
import { useEvalReport, useEvalReports } from "./use-eval";

const STAGES = ["bm25", "dense", "fused", "reranked"] as const;
const STAGE_COLORS: Record<(typeof STAGES)[number], string> = {
  bm25: "var(--chart-bm25)",
  dense: "var(--chart-dense)",
  fused: "var(--chart-fused)",
  reranked: "var(--chart-reranked)",
};
const COLUMNS = ["ndcg@5", "ndcg@10", "recall@5", "recall@10", "recall@45", "recall@100", "mrr@10"];
const LATENCY = (["bm25Ms", "denseMs", "rerankComputeMs", "totalMs"] as const).map((key) => ({
  key,
  color: timingStage(key).color,
}));

/** The reports of `npm run eval` (admins only): pick one, see its tables, charts against k and worst queries. */
export function ReportsSection() {
  const reports = useEvalReports();
  const [chosen, setChosen] = useState<string | null>(null);
  const name = chosen ?? reports.data?.reports[0]?.name ?? null;
  const report = useEvalReport(name);

  if (reports.isError && reports.error instanceof ApiError && reports.error.status === 403) {
    return (
      <Panel title="Dataset reports" bodyClassName="px-3 py-3">
        <p className="text-sm text-slate-500">Dataset reports are visible to admins.</p>
      </Panel>
    );
  }
  const list = reports.data?.reports ?? [];
  return (
    <Panel
      title="Dataset reports"
      data-testid="reports-section"
      actions={
        list.length > 0 && (
          <label className="flex items-center gap-1 text-xs text-slate-600">
            Report
            <select
              className={`${compactSelectClass} max-w-[14rem] sm:max-w-md`}
              value={name ?? ""}
              onChange={(e) => setChosen(e.target.value)}
            >
              {list.map((r) => (
                <option key={r.name} value={r.name}>
                  {r.dataset} · {new Date(r.createdAt).toLocaleString()} · reranked nDCG@10{" "}
                  {r.ndcg10.reranked.toFixed(3)}
                </option>
              ))}
            </select>
          </label>
        )
      }
      bodyClassName="flex flex-col gap-4 px-3 py-3"
    >
      {reports.isError && (
        <p role="alert" className="text-sm text-red-700">
          Could not list the reports: {reports.error.message}
        </p>
      )}
      {reports.isSuccess && list.length === 0 && (
        <p className="text-sm text-slate-500">
          No reports yet. Run <code className="font-mono">npm run eval -- --dataset &lt;BEIR dir&gt;</code>.
        </p>
      )}
      {report.isError && (
        <p role="alert" className="text-sm text-red-700">
          Could not load the report: {report.error.message}
        </p>
      )}
      {report.data && <ReportDetail key={report.data.name} report={report.data} />}
    </Panel>
  );
}

function ReportDetail({ report }: { report: EvalReportDetail }) {
  const fusions = [...new Set(report.runs.map((r) => r.fusion))];
  const [fusion, setFusion] = useState(fusions[0]);
  const runs = report.runs.filter((r) => r.fusion === fusion).sort((a, b) => a.k - b.k);
  const [k, setK] = useState(runs.find((r) => r.k === 45)?.k ?? runs[0]?.k);
  const run = runs.find((r) => r.k === k) ?? runs[0];
  const ks = runs.map((r) => r.k);
  const stageSeries = (
    metric: (r: (typeof runs)[number], stage: (typeof STAGES)[number]) => number | undefined,
  ): ChartSeries[] =>
    STAGES.map((s) => ({ name: s, color: STAGE_COLORS[s], values: runs.map((r) => metric(r, s) ?? null) }));

  return (
    <div className="flex flex-col gap-4" data-testid="report-detail">
      <div className="flex flex-wrap items-center gap-3 text-xs text-slate-600">
        <span>
          <span className="font-semibold text-slate-800">{report.dataset}</span> · {run?.queries ?? 0} queries ·{" "}
          <time dateTime={report.createdAt}>{new Date(report.createdAt).toLocaleString()}</time>
        </span>
        {fusions.length > 1 && (
          <label className="flex items-center gap-1">
            Fusion
            <select className={compactSelectClass} value={fusion} onChange={(e) => setFusion(e.target.value)}>
              {fusions.map((f) => (
                <option key={f}>{f}</option>
              ))}
            </select>
          </label>
        )}
        <label className="flex items-center gap-1">
          k
          <select className={compactSelectClass} value={run?.k} onChange={(e) => setK(Number(e.target.value))}>
            {ks.map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
        </label>
      </div>

      {run && (
        <ScrollArea label="Per-stage metrics">
          <table className="w-full max-w-3xl text-right text-xs" data-testid="report-stage-table">
            <caption className="mb-1 text-left text-xs font-semibold text-slate-700">
              Per stage · {run.fusion}, k = {run.k}
            </caption>
            <thead className="text-[11px] uppercase tracking-wide text-slate-500">
              <tr>
                <th className="py-1 pr-2 text-left font-medium">Stage</th>
                {COLUMNS.map((c) => (
                  <th key={c} className="px-2 py-1 font-medium">
                    {c.replace("ndcg", "nDCG").replace("mrr", "MRR")}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody className="font-mono">
              {STAGES.map((s) => (
                <tr key={s} className="border-t border-slate-100">
                  <th className="py-1 pr-2 text-left font-sans font-medium text-slate-700">{s}</th>
                  {COLUMNS.map((c) => (
                    <td key={c} className="px-2 py-1">
                      {run.stages[s][c] === undefined ? "—" : run.stages[s][c].toFixed(4)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollArea>
      )}

      {runs.length > 1 ? (
        <div className="grid grid-cols-1 gap-4 md:grid-cols-2 2xl:grid-cols-3">
          <LineChart
            title="nDCG@10 against k"
            x={ks}
            xTicks={ks.map(String)}
            series={stageSeries((r, s) => r.stages[s]["ndcg@10"])}
            testId="report-chart-ndcg"
            yMax={1}
          />
          <LineChart
            title="recall@k against k"
            x={ks}
            xTicks={ks.map(String)}
            series={stageSeries((r, s) => r.stages[s][`recall@${r.k}`])}
            yMax={1}
          />
          <LineChart
            title="Latency P95 (ms) against k"
            x={ks}
            xTicks={ks.map(String)}
            format={(v) => (v >= 10 ? v.toFixed(0) : v.toFixed(1))}
            series={LATENCY.map((t) => ({
              name: t.key,
              color: t.color,
              values: runs.map((r) => r.latencyMs[t.key]?.p95 ?? null),
            }))}
          />
        </div>
      ) : (
        <p className="text-xs text-slate-500">One k in this report: run with several (--k 15,30,45,100) for charts.</p>
      )}

      <div>
        <h3 className="mb-1 text-xs font-semibold text-slate-700">
          Worst queries (lowest nDCG@10 after rerank, primary run)
        </h3>
        <table className="w-full max-w-xl text-right text-xs" data-testid="report-worst">
          <thead className="text-[11px] uppercase tracking-wide text-slate-500">
            <tr>
              <th className="py-1 pr-2 text-left font-medium">Query id</th>
              {STAGES.map((s) => (
                <th key={s} className="px-2 py-1 font-medium">
                  {s}
                </th>
              ))}
            </tr>
          </thead>
          <tbody className="font-mono">
            {report.worstQueries.map((q) => (
              <tr key={q.queryId} className="border-t border-slate-100">
                <td className="py-1 pr-2 text-left">{q.queryId}</td>
                {STAGES.map((s) => (
                  <td key={s} className="px-2 py-1">
                    {(q.ndcg10[s] ?? 0).toFixed(3)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        <p className="mt-1 text-[11px] text-slate-500">
          These queries ran in the evaluation&apos;s own isolated index, so they have no inspect view here.
        </p>
      </div>
    </div>
  );
}
