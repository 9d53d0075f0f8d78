"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { fetchJson, sendJson } from "@/components/fetch-json";
import type { ConversationDetail, ConversationSummary } from "@/db/queries/conversations";

export type { ConversationDetail, ConversationSummary };

export const conversationsKey = ["conversations"] as const;

/** GET /api/conversations: the user's saved conversations, most recently active first. */
export function useConversations() {
  return useQuery({
    queryKey: conversationsKey,
    queryFn: () => fetchJson<{ conversations: ConversationSummary[] }>("/api/conversations"),
    select: (r) => r.conversations,
  });
}

/** GET /api/conversations/[id], read once when a saved conversation is opened. */
export function useConversation(id: string, enabled: boolean) {
  return useQuery({
    queryKey: [...conversationsKey, id],
    queryFn: () => fetchJson<ConversationDetail>(`/api/conversations/${encodeURIComponent(id)}`),
    enabled,
    staleTime: Infinity,
    gcTime: 0,
    retry: false,
  });
}

export function useDeleteConversation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => sendJson<void>(`/api/conversations/${encodeURIComponent(id)}`, "DELETE"),
    onSettled: () => queryClient.invalidateQueries({ queryKey: conversationsKey, exact: true }),
  });
}

/** Reloads the list (a question was asked: a new conversation, or one moved to the top). */
export function useRefreshConversations() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: conversationsKey, exact: true });
}
