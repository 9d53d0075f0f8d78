"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { ApiKeySummary, CreatedApiKey } from "@/components/api-types";
import { fetchJson, sendJson } from "@/components/fetch-json";

export const apiKeysKey = ["api-keys"] as const;

export function useApiKeys() {
  return useQuery({
    queryKey: apiKeysKey,
    queryFn: () => fetchJson<{ keys: ApiKeySummary[] }>("/api/keys").then((r) => r.keys),
  });
}

export function useCreateApiKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { name: string; scope: ApiKeySummary["scope"] }) =>
      sendJson<CreatedApiKey>("/api/keys", "POST", input),
    onSettled: () => queryClient.invalidateQueries({ queryKey: apiKeysKey }),
  });
}

export function useRevokeApiKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => sendJson<void>(`/api/keys/${encodeURIComponent(id)}`, "DELETE"),
    onSettled: () => queryClient.invalidateQueries({ queryKey: apiKeysKey }),
  });
}
