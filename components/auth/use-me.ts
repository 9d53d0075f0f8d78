"use client";

import { useQuery } from "@tanstack/react-query";
import type { Me } from "@/components/api-types";
import { ApiError, fetchJson } from "@/components/fetch-json";

export const meKey = ["me"] as const;

/** GET /api/me: who is signed in (or the local user). A 401 is final: no retries. */
export function useMe() {
  return useQuery({
    queryKey: meKey,
    queryFn: () => fetchJson<Me>("/api/me"),
    retry: (failures, error) => !(error instanceof ApiError && error.status < 500) && failures < 2,
    staleTime: 60 * 1000,
  });
}
