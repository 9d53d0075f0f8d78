"use client";

import { useState, type FormEvent } from "react";
import type { UserSummary, WorkspaceSummary } from "@/components/api-types";
import { Button } from "@/components/ui/button";
import { ErrorNote, Field, Input, Select } from "@/components/ui/field";
import { Panel } from "@/components/ui/panel";
import { useAddMember, useCreateWorkspace, useDeleteWorkspace, useRemoveMember, useWorkspaces } from "./use-admin";

export function WorkspacesPanel({ users }: { users: UserSummary[] }) {
  const workspaces = useWorkspaces(true);
  const create = useCreateWorkspace();
  const del = useDeleteWorkspace();
  const [name, setName] = useState("");

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim() || create.isPending) return;
    create.mutate(name.trim(), { onSuccess: () => setName("") });
  };

  const onDelete = (w: WorkspaceSummary) => {
    if (window.confirm(`Delete the workspace "${w.name}"? Documents shared with it become private to their owners.`)) {
      del.mutate(w.id);
    }
  };

  return (
    <Panel title="Workspaces" data-testid="admin-workspaces">
      <div className="flex flex-col gap-4 p-3">
        <form onSubmit={submit} className="flex flex-wrap items-end gap-3" aria-label="Create workspace">
          <Field id="new-workspace-name" label="Workspace name" className="min-w-0 flex-1">
            <Input
              id="new-workspace-name"
              required
              maxLength={100}
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
          </Field>
          <Button type="submit" variant="primary" disabled={create.isPending || !name.trim()}>
            {create.isPending ? "Creating…" : "Create workspace"}
          </Button>
        </form>
        {create.isError && <ErrorNote>{create.error.message}</ErrorNote>}
        {del.isError && <ErrorNote>{del.error.message}</ErrorNote>}

        {workspaces.isPending ? (
          <p className="py-4 text-center text-slate-500">Loading workspaces…</p>
        ) : workspaces.isError ? (
          <ErrorNote>Could not load workspaces: {workspaces.error.message}</ErrorNote>
        ) : workspaces.data.length === 0 ? (
          <p className="py-4 text-center text-slate-500">No workspaces yet.</p>
        ) : (
          <ul className="grid grid-cols-1 items-start gap-3 lg:grid-cols-2">
            {workspaces.data.map((w) => (
              <WorkspaceCard
                key={w.id}
                workspace={w}
                users={users}
                onDelete={() => onDelete(w)}
                deleting={del.isPending && del.variables === w.id}
              />
            ))}
          </ul>
        )}
      </div>
    </Panel>
  );
}

function WorkspaceCard({
  workspace,
  users,
  onDelete,
  deleting,
}: {
  workspace: WorkspaceSummary;
  users: UserSummary[];
  onDelete: () => void;
  deleting: boolean;
}) {
  const add = useAddMember();
  const remove = useRemoveMember();
  const [userId, setUserId] = useState("");
  const memberIds = new Set(workspace.members.map((m) => m.userId));
  const candidates = users.filter((u) => !memberIds.has(u.id));
  const selectId = `add-member-${workspace.id}`;
  const headingId = `workspace-${workspace.id}`;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!userId || add.isPending) return;
    add.mutate({ workspaceId: workspace.id, userId }, { onSuccess: () => setUserId("") });
  };
  const error = add.error ?? remove.error;

  return (
    <li
      className="rounded border border-slate-200"
      aria-labelledby={headingId}
      data-testid="workspace"
      data-name={workspace.name}
    >
      <div className="flex flex-wrap items-center gap-x-2 gap-y-1 border-b border-slate-100 bg-slate-50 px-3 py-2">
        <h3 id={headingId} className="min-w-0 break-words font-medium">
          {workspace.name}
        </h3>
        <span className="text-xs text-slate-500">
          {workspace.members.length} {workspace.members.length === 1 ? "member" : "members"}
        </span>
        <Button size="sm" variant="danger" className="ml-auto" onClick={onDelete} disabled={deleting}>
          Delete workspace
        </Button>
      </div>
      <div className="flex flex-col gap-2 p-3">
        {workspace.members.length === 0 ? (
          <p className="text-xs text-slate-500">No members yet.</p>
        ) : (
          <ul className="divide-y divide-slate-100" aria-label={`Members of ${workspace.name}`}>
            {workspace.members.map((m) => (
              <li
                key={m.userId}
                className="flex items-center gap-2 py-1.5"
                data-testid="workspace-member"
                data-email={m.email}
              >
                <span className="min-w-0 truncate">
                  <span className="font-medium">{m.name}</span>{" "}
                  <span className="text-xs text-slate-500">{m.email}</span>
                </span>
                <Button
                  size="sm"
                  variant="ghost"
                  className="ml-auto"
                  disabled={remove.isPending && remove.variables.userId === m.userId}
                  onClick={() => remove.mutate({ workspaceId: workspace.id, userId: m.userId })}
                >
                  Remove
                </Button>
              </li>
            ))}
          </ul>
        )}
        <form onSubmit={submit} className="flex flex-wrap items-end gap-2">
          <Field id={selectId} label={`Add member to ${workspace.name}`} className="min-w-0 flex-1">
            <Select id={selectId} value={userId} onChange={(e) => setUserId(e.target.value)}>
              <option value="">{candidates.length === 0 ? "Everyone is a member" : "Choose a user…"}</option>
              {candidates.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.email}
                  {u.disabled ? " (disabled)" : ""}
                </option>
              ))}
            </Select>
          </Field>
          <Button type="submit" disabled={!userId || add.isPending}>
            {add.isPending ? "Adding…" : "Add"}
          </Button>
        </form>
        {error && <ErrorNote>{error.message}</ErrorNote>}
      </div>
    </li>
  );
}
