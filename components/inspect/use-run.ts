"use client";

import { useQuery } from "@tanstack/react-query";
import type { RunRecord } from "@/components/api-types";
import { fetchJson } from "@/components/fetch-json";

export function useRun(runId: string) {
  return useQuery({
    queryKey: ["runs", runId],
    queryFn: () => fetchJson<RunRecord>(`/api/runs/${encodeURIComponent(runId)}`),
    // A saved run only changes once, when its answer is recorded; a late fetch picks that up.
    staleTime: 5 * 60 * 1000,
  });
}
