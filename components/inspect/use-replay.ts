"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { ReplayComparison } from "@/app/api/runs/[id]/replay/compare";
import type { ReplayRequest } from "@/app/api/runs/[id]/replay/schema";
import type { RunRecord } from "@/components/api-types";
import { sendJson } from "@/components/fetch-json";

export type ReplayResult = { run: RunRecord; comparison: ReplayComparison };

/** `POST /api/runs/{id}/replay`; the new run goes into the cache, so opening it needs no fetch. */
export function useReplay(runId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (changes: ReplayRequest) =>
      sendJson<ReplayResult>(`/api/runs/${encodeURIComponent(runId)}/replay`, "POST", changes),
    onSuccess: (result) => client.setQueryData(["runs", result.run.runId], result.run),
  });
}
