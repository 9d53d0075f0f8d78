import type { Timings } from "@/components/api-types";

/**
 * The search API's timing names with one label and one colour each (a Tailwind class for bars, the same
 * colour as its CSS variable for SVG charts, so both follow the theme), shared by the inspect timing bar,
 * the metrics page and the eval charts.
 */
export const TIMING_STAGES: { key: keyof Timings; label: string; barClass: string; color: string }[] = [
  { key: "embedMs", label: "query embedding", barClass: "bg-violet-400", color: "var(--color-violet-400)" },
  { key: "bm25Ms", label: "BM25", barClass: "bg-sky-500", color: "var(--color-sky-500)" },
  { key: "denseMs", label: "dense", barClass: "bg-teal-500", color: "var(--color-teal-500)" },
  { key: "fusionMs", label: "fusion", barClass: "bg-amber-400", color: "var(--color-amber-400)" },
  { key: "rerankQueueMs", label: "rerank queue", barClass: "bg-rose-300", color: "var(--color-rose-300)" },
  { key: "rerankComputeMs", label: "rerank compute", barClass: "bg-rose-500", color: "var(--color-rose-500)" },
  { key: "rerankMs", label: "rerank call (HTTP, deadline)", barClass: "bg-rose-700", color: "var(--color-rose-700)" },
  { key: "totalMs", label: "total", barClass: "bg-slate-700", color: "var(--color-slate-700)" },
];

export const timingStage = (key: keyof Timings) => TIMING_STAGES.find((s) => s.key === key)!;
