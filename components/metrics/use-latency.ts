"use client";

import { useQuery } from "@tanstack/react-query";
import { fetchJson } from "@/components/fetch-json";

export type Percentiles = { count: number; p50: number | null; p95: number | null; p99: number | null };
export type LatencyWindow = {
  windowMs: number;
  runs: number;
  stages: Record<string, Percentiles>;
  failOpenRate: number | null;
};
export type LatencyPoint = { hour: string; runs: number; p50: number | null; p95: number | null; p99: number | null };

export type LatencyReport = {
  windows: LatencyWindow[];
  series: Record<string, LatencyPoint[]>;
  rerankAlert: {
    thresholdMs: number;
    failOpenThreshold: number;
    p95Ms: number | null;
    failOpenRate: number | null;
    firing: boolean;
    reasons: string[];
  };
  rerankCache: { hits: number; misses: number; errors: number; hitRate: number };
};

/** GET /api/metrics/latency, refreshed every 30 s. */
export function useLatency() {
  return useQuery({
    queryKey: ["metrics", "latency"],
    queryFn: () => fetchJson<LatencyReport>("/api/metrics/latency"),
    refetchInterval: 30_000,
  });
}
