"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { DocumentContent, DocumentSummary } from "@/components/api-types";
import { fetchJson, sendJson } from "@/components/fetch-json";

export const documentsKey = ["documents"] as const;

/** Being re-ingested: still ready (its old chunks are searchable) while the new version is built. */
export const isReingesting = (d: DocumentSummary) =>
  d.status === "ready" && !!d.progress && d.progress.stage !== "ready";

const isActive = (d: DocumentSummary) => d.status === "queued" || d.status === "processing" || isReingesting(d);

/** The document list, polled every second while any document is still being ingested. */
export function useDocuments() {
  return useQuery({
    queryKey: documentsKey,
    queryFn: () => fetchJson<{ documents: DocumentSummary[] }>("/api/documents").then((r) => r.documents),
    refetchInterval: (query) => (query.state.data?.some(isActive) ? 1000 : false),
  });
}

export function useDeleteDocument() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => fetchJson<void>(`/api/documents/${encodeURIComponent(id)}`, { method: "DELETE" }),
    onSuccess: (_data, id) => {
      queryClient.setQueryData<DocumentSummary[]>(documentsKey, (docs) => docs?.filter((d) => d.id !== id));
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: documentsKey }),
  });
}

/** Re-ingests one of the caller's documents from its stored bytes (the old version stays until replaced). */
export function useReingestDocument() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => sendJson<unknown>(`/api/documents/${encodeURIComponent(id)}/reingest`, "POST", {}),
    onSettled: () => queryClient.invalidateQueries({ queryKey: documentsKey }),
  });
}

/** Shares one of the caller's documents with a workspace (`null`: private again). */
export function useShareDocument() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, workspaceId }: { id: string; workspaceId: string | null }) =>
      sendJson<{ id: string; workspaceId: string | null }>(`/api/documents/${encodeURIComponent(id)}`, "PATCH", {
        workspaceId,
      }),
    onSuccess: ({ id, workspaceId }) => {
      queryClient.setQueryData<DocumentSummary[]>(documentsKey, (docs) =>
        docs?.map((d) => (d.id === id ? { ...d, workspaceId } : d)),
      );
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: documentsKey }),
  });
}

export function useDocumentContent(id: string) {
  return useQuery({
    queryKey: ["documents", id, "content"],
    queryFn: () => fetchJson<DocumentContent>(`/api/documents/${encodeURIComponent(id)}/content`),
  });
}
