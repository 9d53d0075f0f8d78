"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { QueryLabels, RelevanceLabel } from "@/db/queries/labels";
import { fetchJson } from "@/components/fetch-json";

export type Grade = RelevanceLabel["grade"];

const labelsKey = (runId: string) => ["runs", runId, "labels"] as const;

/** The judgements of the run's query, by chunk id. */
export function useRunLabels(runId: string) {
  return useQuery({
    queryKey: labelsKey(runId),
    queryFn: () => fetchJson<QueryLabels>(`/api/runs/${encodeURIComponent(runId)}/labels`),
    select: (data) => new Map(data.labels.map((l) => [l.chunkId, l.grade])),
  });
}

/** Saves one judgement at once, showing it before the server answers (rolled back if it fails). */
export function useSetLabel(runId: string) {
  const client = useQueryClient();
  const key = labelsKey(runId);
  return useMutation({
    mutationFn: ({ chunkId, grade }: { chunkId: number; grade: Grade | null }) =>
      fetchJson<unknown>(`/api/runs/${encodeURIComponent(runId)}/labels`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ chunkId, grade }),
      }),
    onMutate: async ({ chunkId, grade }) => {
      await client.cancelQueries({ queryKey: key });
      const previous = client.getQueryData<QueryLabels>(key);
      client.setQueryData<QueryLabels>(key, (old) => {
        const rest = (old?.labels ?? []).filter((l) => l.chunkId !== chunkId);
        if (grade === null) return { goldenQueryId: old?.goldenQueryId ?? null, labels: rest };
        const label: RelevanceLabel = {
          chunkId,
          documentId: "",
          grade,
          labelledAt: new Date().toISOString(),
          runId,
        };
        return { goldenQueryId: old?.goldenQueryId ?? null, labels: [...rest, label] };
      });
      return { previous };
    },
    onError: (_error, _vars, context) => {
      if (context?.previous) client.setQueryData(key, context.previous);
    },
    onSettled: () => {
      void client.invalidateQueries({ queryKey: key });
      void client.invalidateQueries({ queryKey: ["golden"] });
    },
  });
}
