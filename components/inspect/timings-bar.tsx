import type { Timings } from "@/components/api-types";
import { formatMs } from "@/components/format";
import { TIMING_STAGES } from "@/components/timing-stages";

// The stages of one search, end to end (the rerank call's wall time and the total overlap them), then the
// answer's generation, which only chat runs record (the metrics page's stage list has no use for it).
const stages: { key: keyof Timings; label: string; color: string }[] = [
  ...TIMING_STAGES.filter((s) => s.key !== "totalMs" && s.key !== "rerankMs").map((s) => ({
    key: s.key,
    label: s.label,
    color: s.barClass,
  })),
  { key: "generationMs", label: "generation", color: "bg-indigo-400" },
];

export function TimingsBar({ timings, testId = "inspect-timings" }: { timings: Timings; testId?: string }) {
  const sum = stages.reduce((n, s) => n + Math.max(0, timings[s.key] ?? 0), 0);
  const scale = Math.max(sum, 0.001);
  return (
    <div data-testid={testId} className="flex flex-col gap-2">
      <div className="flex h-4 w-full overflow-hidden rounded bg-slate-100" aria-hidden>
        {stages.map((s) => {
          const ms = Math.max(0, timings[s.key] ?? 0);
          if (ms === 0) return null;
          return (
            <div
              key={s.key}
              className={`${s.color} h-full border-r border-white/70 last:border-r-0`}
              style={{ width: `${(ms / scale) * 100}%` }}
              title={`${s.label}: ${formatMs(ms)}`}
            />
          );
        })}
      </div>
      <dl className="flex flex-wrap gap-x-4 gap-y-1 text-xs">
        {stages.map((s) => (
          <div key={s.key} className="flex items-center gap-1.5" data-testid={`timing-${s.key}`}>
            <span aria-hidden className={`h-2.5 w-2.5 rounded-sm ${s.color}`} />
            <dt className="text-slate-500">{s.label}</dt>
            <dd className="font-mono text-slate-900">{formatMs(timings[s.key])}</dd>
          </div>
        ))}
        <div className="ml-auto flex items-center gap-1.5 font-semibold" data-testid="timing-totalMs">
          <dt className="text-slate-500" title="Retrieval and rerank, end to end (generation not included)">
            search total
          </dt>
          <dd className="font-mono text-slate-900">{formatMs(timings.totalMs)}</dd>
        </div>
      </dl>
    </div>
  );
}
