"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { GoldenEvaluation, GoldenEvaluationSummary, GoldenQuerySummary } from "@/db/queries/labels";
import type { GoldenAlert } from "@/lib/eval/golden-score";
import type { EvalReportDetail, EvalReportSummary } from "@/lib/eval/reports";
import { fetchJson } from "@/components/fetch-json";

export type GoldenEvaluations = {
  evaluations: GoldenEvaluationSummary[];
  latest: GoldenEvaluation | null;
  alert: GoldenAlert | null;
};

export function useGoldenSet() {
  return useQuery({
    queryKey: ["golden", "queries"],
    queryFn: () => fetchJson<{ queries: GoldenQuerySummary[] }>("/api/golden"),
  });
}

export function useGoldenEvaluations() {
  return useQuery({
    queryKey: ["golden", "evaluations"],
    queryFn: () => fetchJson<GoldenEvaluations>("/api/golden/evaluations"),
  });
}

export function useEvaluateNow() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => fetchJson<GoldenEvaluation>("/api/golden/evaluate", { method: "POST" }),
    onSettled: () => client.invalidateQueries({ queryKey: ["golden"] }),
  });
}

export function useEvalReports() {
  return useQuery({
    queryKey: ["eval-reports"],
    queryFn: () => fetchJson<{ reports: EvalReportSummary[] }>("/api/eval/reports"),
    retry: false,
  });
}

export function useEvalReport(name: string | null) {
  return useQuery({
    queryKey: ["eval-reports", name],
    queryFn: () => fetchJson<EvalReportDetail>(`/api/eval/reports/${encodeURIComponent(name!)}`),
    enabled: name !== null,
    staleTime: Infinity,
  });
}
