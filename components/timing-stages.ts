import type { Timings } from "@/components/api-types";

/**
 * The search API's timing names with one label and one colour each (a Tailwind class for bars, the same
 * colour as hex for SVG charts), shared by the inspect timing bar, the metrics page and the eval charts.
 */
export const TIMING_STAGES: { key: keyof Timings; label: string; barClass: string; hex: string }[] = [
  { key: "embedMs", label: "query embedding", barClass: "bg-violet-400", hex: "#a78bfa" },
  { key: "bm25Ms", label: "BM25", barClass: "bg-sky-500", hex: "#0ea5e9" },
  { key: "denseMs", label: "dense", barClass: "bg-teal-500", hex: "#14b8a6" },
  { key: "fusionMs", label: "fusion", barClass: "bg-amber-400", hex: "#fbbf24" },
  { key: "rerankQueueMs", label: "rerank queue", barClass: "bg-rose-300", hex: "#fda4af" },
  { key: "rerankComputeMs", label: "rerank compute", barClass: "bg-rose-500", hex: "#f43f5e" },
  { key: "rerankMs", label: "rerank call (HTTP, deadline)", barClass: "bg-rose-700", hex: "#be123c" },
  { key: "totalMs", label: "total", barClass: "bg-slate-700", hex: "#334155" },
];

export const timingStage = (key: keyof Timings) => TIMING_STAGES.find((s) => s.key === key)!;
