"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { DocumentContent, DocumentSummary } from "@/components/api-types";
import { ApiError, fetchJson, sendJson } from "@/components/fetch-json";

export const documentsKey = ["documents"] as const;

type Progressing = Pick<DocumentSummary, "status" | "progress">;

/** Being re-ingested: still ready (its old chunks are searchable) while the new version is built. */
export const isReingesting = (d: Progressing) => d.status === "ready" && !!d.progress && d.progress.stage !== "ready";

/** Queued, being ingested or being re-ingested: its status will change without the user doing anything. */
export const isActive = (d: Progressing) => d.status === "queued" || d.status === "processing" || isReingesting(d);

/** GET /api/documents. */
export interface DocumentsResponse {
  documents: DocumentSummary[];
  maxUploadBytes?: number;
}

const documentsQuery = {
  queryKey: documentsKey,
  queryFn: () => fetchJson<DocumentsResponse>("/api/documents"),
  // Polled every second while any document is still being ingested.
  refetchInterval: (query: { state: { data?: DocumentsResponse } }) =>
    query.state.data?.documents.some(isActive) ? 1000 : false,
};

/** The document list (one cached request shared with useUploadLimit). */
export function useDocuments() {
  return useQuery({ ...documentsQuery, select: (r: DocumentsResponse) => r.documents });
}

/** The server's upload limit in bytes, once the list has loaded. */
export function useUploadLimit(): number | undefined {
  return useQuery({ ...documentsQuery, select: (r: DocumentsResponse) => r.maxUploadBytes }).data;
}

/** Applies a change to the cached list. */
function updateCachedDocuments(
  queryClient: ReturnType<typeof useQueryClient>,
  change: (docs: DocumentSummary[]) => DocumentSummary[],
) {
  queryClient.setQueryData<DocumentsResponse>(documentsKey, (r) => (r ? { ...r, documents: change(r.documents) } : r));
}

export function useDeleteDocument() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => fetchJson<void>(`/api/documents/${encodeURIComponent(id)}`, { method: "DELETE" }),
    onSuccess: (_data, id) => updateCachedDocuments(queryClient, (docs) => docs.filter((d) => d.id !== id)),
    onSettled: () => queryClient.invalidateQueries({ queryKey: documentsKey }),
  });
}

/** Re-ingests one of the caller's documents from its stored bytes (the old version stays until replaced). */
export function useReingestDocument() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => sendJson<unknown>(`/api/documents/${encodeURIComponent(id)}/reingest`, "POST", {}),
    // The server has queued it (202): show that at once, before the next poll reports the stages.
    onSuccess: (_data, id) =>
      updateCachedDocuments(queryClient, (docs) =>
        docs.map((d) => (d.id === id ? { ...d, error: null, progress: { stage: "queued", done: 0, total: 0 } } : d)),
      ),
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
    onSuccess: ({ id, workspaceId }) =>
      updateCachedDocuments(queryClient, (docs) => docs.map((d) => (d.id === id ? { ...d, workspaceId } : d))),
    onSettled: () => queryClient.invalidateQueries({ queryKey: documentsKey }),
  });
}

/** GET /api/documents/[id]: the summary plus the chunking that (re-)ingestion uses now. */
export type DocumentDetails = Omit<DocumentSummary, "error" | "sha256"> & {
  error?: string;
  chunking?: { size: number; overlap: number };
};

/** One document's summary, polled while it is being ingested. */
export function useDocumentDetails(id: string) {
  return useQuery({
    queryKey: ["documents", id, "details"],
    queryFn: () => fetchJson<DocumentDetails>(`/api/documents/${encodeURIComponent(id)}`),
    retry: (failures, error) => !(error instanceof ApiError && error.status === 404) && failures < 2,
    refetchInterval: (query) => (query.state.data && isActive(query.state.data) ? 1000 : false),
  });
}

export const documentContentKey = (id: string) => ["documents", id, "content"] as const;

/** The parsed text and its chunks' offsets. */
export function useDocumentContent(id: string) {
  return useQuery({
    queryKey: documentContentKey(id),
    queryFn: () => fetchJson<DocumentContent>(`/api/documents/${encodeURIComponent(id)}/content`),
    retry: (failures, error) => !(error instanceof ApiError && error.status === 404) && failures < 2,
  });
}
