"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { DocumentContent, DocumentSummary } from "@/components/api-types";
import { fetchJson } from "@/components/fetch-json";

export const documentsKey = ["documents"] as const;

const isActive = (d: DocumentSummary) => d.status === "queued" || d.status === "processing";

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

export function useDocumentContent(id: string) {
  return useQuery({
    queryKey: ["documents", id, "content"],
    queryFn: () => fetchJson<DocumentContent>(`/api/documents/${encodeURIComponent(id)}/content`),
  });
}
