"use client";

import Link from "next/link";
import { LineChart } from "@/components/eval/line-chart";
import { TIMING_STAGES } from "@/components/timing-stages";
import { Panel } from "@/components/ui/panel";
import { ScrollArea } from "@/components/ui/scroll-area";
import { useLatency, type LatencyReport } from "./use-latency";

const STAGES = TIMING_STAGES.map((s) => ({ key: s.key, label: s.label, color: s.color }));

const ms = (v: number | null) => (v == null ? "—" : v < 10 ? v.toFixed(2) : v.toFixed(0));
const pct = (v: number | null) => (v == null ? "—" : `${(v * 100).toFixed(1)} %`);

export function MetricsView() {
  const latency = useLatency();
  if (latency.isPending) return <p className="text-sm text-slate-500">Loading metrics…</p>;
  if (latency.isError) {
    return (
      <p className="text-sm text-red-700" role="alert">
        Could not load metrics: {latency.error.message}
      </p>
    );
  }
  const report = latency.data;
  return (
    <div className="flex flex-col gap-4" data-testid="metrics-view">
      <div>
        <h1 className="text-lg font-semibold">Metrics</h1>
        <p className="text-sm text-slate-600">
          Per-stage latency percentiles of every search, computed in the database; Prometheus text at{" "}
          <code className="font-mono text-xs">/api/metrics</code>. Ranking quality over time is on{" "}
          <Link href="/eval" className="text-indigo-700 hover:underline">
            Eval
          </Link>
          .
        </p>
      </div>
      <RerankAlert report={report} />
      <Panel title="Latency percentiles (ms)">
        <ScrollArea label="Latency percentiles">
          <table className="w-full text-sm" data-testid="latency-table">
            <thead className="text-left text-xs uppercase tracking-wide text-slate-500">
              <tr>
                <th className="px-2 py-1 font-medium">stage</th>
                {report.windows.map((w) => (
                  <th key={w.windowMs} colSpan={3} className="px-2 py-1 text-center font-medium">
                    last {w.windowMs / 3_600_000} h ({w.runs} runs)
                  </th>
                ))}
              </tr>
              <tr>
                <th />
                {report.windows.flatMap((w) =>
                  ["P50", "P95", "P99"].map((p) => (
                    <th key={`${w.windowMs}${p}`} className="px-2 py-1 text-right font-medium">
                      {p}
                    </th>
                  )),
                )}
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100 font-mono text-xs">
              {STAGES.map((s) => (
                <tr key={s.key} data-stage={s.key}>
                  <td className="whitespace-nowrap px-2 py-1 font-sans text-sm">{s.label}</td>
                  {report.windows.flatMap((w) => {
                    const p = w.stages[s.key];
                    return [p?.p50, p?.p95, p?.p99].map((v, i) => (
                      <td key={`${w.windowMs}${i}`} className="px-2 py-1 text-right">
                        {ms(v ?? null)}
                      </td>
                    ));
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollArea>
      </Panel>
      <div className="grid gap-4 lg:grid-cols-2">
        <Panel title="P95 per hour, last 24 h (ms)" bodyClassName="p-3">
          <HourlyChart report={report} />
        </Panel>
        <Panel title="Rerank cache" bodyClassName="p-3">
          <dl className="grid grid-cols-2 gap-x-4 gap-y-1 text-sm">
            <dt className="text-slate-500">hit rate</dt>
            <dd className="font-mono" data-testid="cache-hit-rate">
              {pct(report.rerankCache.hits + report.rerankCache.misses > 0 ? report.rerankCache.hitRate : null)}
            </dd>
            <dt className="text-slate-500">hits / misses / errors</dt>
            <dd className="font-mono">
              {report.rerankCache.hits} / {report.rerankCache.misses} / {report.rerankCache.errors}
            </dd>
            <dt className="text-slate-500">fail-open, last hour</dt>
            <dd className="font-mono">{pct(report.rerankAlert.failOpenRate)}</dd>
          </dl>
          <p className="mt-2 text-xs text-slate-500">Counted by this app instance since it started.</p>
        </Panel>
      </div>
    </div>
  );
}

function RerankAlert({ report }: { report: LatencyReport }) {
  const a = report.rerankAlert;
  if (a.firing) {
    return (
      <div
        className="rounded border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800"
        role="alert"
        data-testid="rerank-alert"
      >
        <strong>Rerank alert:</strong> {a.reasons.join("; ")}.
      </div>
    );
  }
  return (
    <div
      className="rounded border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800"
      data-testid="rerank-ok"
    >
      Rerank P95 {ms(a.p95Ms)} ms (alert over {a.thresholdMs} ms); fail-open {pct(a.failOpenRate)} (alert over{" "}
      {pct(a.failOpenThreshold)}).
    </div>
  );
}

function HourlyChart({ report }: { report: LatencyReport }) {
  const hours = [...new Set(Object.values(report.series).flatMap((points) => points.map((p) => p.hour)))].sort();
  if (hours.length === 0) return <p className="text-sm text-slate-500">No searches in the last 24 hours.</p>;
  const shown = STAGES.filter((s) => ["bm25Ms", "denseMs", "rerankMs", "totalMs"].includes(s.key));
  return (
    <LineChart
      title="P95 latency per hour"
      x={hours.map((_, i) => i)}
      xTicks={hours.map((h) => new Date(h).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }))}
      series={[
        ...shown.map((s) => ({
          name: s.label,
          color: s.color,
          values: hours.map((h) => report.series[s.key]?.find((p) => p.hour === h)?.p95 ?? null),
        })),
        {
          name: `alert threshold (${report.rerankAlert.thresholdMs} ms)`,
          color: "var(--chart-alert)",
          dashed: true,
          values: hours.map(() => report.rerankAlert.thresholdMs),
        },
      ]}
      format={(v) => v.toFixed(0)}
      testId="latency-chart"
    />
  );
}
