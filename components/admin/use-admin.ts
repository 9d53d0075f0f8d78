"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { UserSummary, WorkspaceSummary } from "@/components/api-types";
import { meKey } from "@/components/auth/use-me";
import { fetchJson, sendJson } from "@/components/fetch-json";

export const usersKey = ["admin", "users"] as const;
export const workspacesKey = ["admin", "workspaces"] as const;

const id = (s: string) => encodeURIComponent(s);

export function useUsers(enabled: boolean) {
  return useQuery({
    queryKey: usersKey,
    queryFn: () => fetchJson<{ users: UserSummary[] }>("/api/admin/users").then((r) => r.users),
    enabled,
  });
}

export function useWorkspaces(enabled: boolean) {
  return useQuery({
    queryKey: workspacesKey,
    queryFn: () => fetchJson<{ workspaces: WorkspaceSummary[] }>("/api/admin/workspaces").then((r) => r.workspaces),
    enabled,
  });
}

/** Every admin change can touch users, workspaces and (membership) the admin's own /api/me. */
function useAdminMutation<V, R>(fn: (v: V) => Promise<R>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: ["admin"] }),
        queryClient.invalidateQueries({ queryKey: meKey }),
      ]),
  });
}

export type NewUserInput = { email: string; name: string; password: string; role: UserSummary["role"] };

export const useCreateUser = () =>
  useAdminMutation((u: NewUserInput) => sendJson<UserSummary>("/api/admin/users", "POST", u));
export const useUpdateUser = () =>
  useAdminMutation((v: { id: string; disabled?: boolean; role?: UserSummary["role"] }) =>
    sendJson<UserSummary>(`/api/admin/users/${id(v.id)}`, "PATCH", { disabled: v.disabled, role: v.role }),
  );
export const useDeleteUser = () =>
  useAdminMutation((userId: string) => sendJson<void>(`/api/admin/users/${id(userId)}`, "DELETE"));

export const useCreateWorkspace = () =>
  useAdminMutation((name: string) => sendJson<{ id: string; name: string }>("/api/admin/workspaces", "POST", { name }));
export const useDeleteWorkspace = () =>
  useAdminMutation((workspaceId: string) => sendJson<void>(`/api/admin/workspaces/${id(workspaceId)}`, "DELETE"));
export const useAddMember = () =>
  useAdminMutation((v: { workspaceId: string; userId: string }) =>
    sendJson<void>(`/api/admin/workspaces/${id(v.workspaceId)}/members`, "POST", { userId: v.userId }),
  );
export const useRemoveMember = () =>
  useAdminMutation((v: { workspaceId: string; userId: string }) =>
    sendJson<void>(`/api/admin/workspaces/${id(v.workspaceId)}/members/${id(v.userId)}`, "DELETE"),
  );
