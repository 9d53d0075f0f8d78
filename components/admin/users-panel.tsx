"use client";

import type { UseQueryResult } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import type { UserSummary } from "@/components/api-types";
import { formatDateTime } from "@/components/settings/api-keys-panel";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { describedBy, ErrorNote, Field, Input, Select } from "@/components/ui/field";
import { Panel } from "@/components/ui/panel";
import { ScrollArea } from "@/components/ui/scroll-area";
import { useCreateUser, useDeleteUser, useUpdateUser, type NewUserInput } from "./use-admin";

const PASSWORD_HINT = "At least 10 characters. Give it to the user yourself.";

const emptyForm: NewUserInput = { email: "", name: "", password: "", role: "user" };

export function UsersPanel({ users, meId }: { users: UseQueryResult<UserSummary[]>; meId: string }) {
  const create = useCreateUser();
  const update = useUpdateUser();
  const del = useDeleteUser();
  const [form, setForm] = useState<NewUserInput>(emptyForm);
  const [created, setCreated] = useState<string | null>(null);
  const set = (patch: Partial<NewUserInput>) => setForm((f) => ({ ...f, ...patch }));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (create.isPending) return;
    setCreated(null);
    create.mutate(
      { ...form, email: form.email.trim(), name: form.name.trim() },
      {
        onSuccess: (user) => {
          setCreated(user.email);
          setForm(emptyForm);
        },
      },
    );
  };

  const onDelete = (user: UserSummary) => {
    const docs = user.documentCount === 1 ? "1 document" : `${user.documentCount} documents`;
    const ok = window.confirm(
      `Delete ${user.email}? This removes the account and everything of theirs: ${docs}, their chat runs and API keys. It cannot be undone.`,
    );
    if (ok) del.mutate(user.id);
  };

  const rowError = update.error ?? del.error;

  return (
    <Panel title="Users" data-testid="admin-users">
      <div className="flex flex-col gap-4 p-3">
        <form
          onSubmit={submit}
          className="grid grid-cols-1 items-start gap-3 sm:grid-cols-2 lg:grid-cols-4"
          aria-label="Create user"
        >
          <Field id="new-user-email" label="Email">
            <Input
              id="new-user-email"
              type="email"
              autoComplete="off"
              required
              value={form.email}
              onChange={(e) => set({ email: e.target.value })}
            />
          </Field>
          <Field id="new-user-name" label="Name">
            <Input
              id="new-user-name"
              autoComplete="off"
              required
              value={form.name}
              onChange={(e) => set({ name: e.target.value })}
            />
          </Field>
          <Field id="new-user-password" label="Password" description={PASSWORD_HINT}>
            <Input
              id="new-user-password"
              type="password"
              autoComplete="new-password"
              required
              minLength={10}
              aria-describedby={describedBy("new-user-password", { description: PASSWORD_HINT })}
              value={form.password}
              onChange={(e) => set({ password: e.target.value })}
            />
          </Field>
          <Field id="new-user-role" label="Role">
            <Select
              id="new-user-role"
              value={form.role}
              onChange={(e) => set({ role: e.target.value as UserSummary["role"] })}
            >
              <option value="user">user</option>
              <option value="admin">admin</option>
            </Select>
          </Field>
          <div className="flex items-center gap-3 sm:col-span-2 lg:col-span-4">
            <Button type="submit" variant="primary" disabled={create.isPending}>
              {create.isPending ? "Creating…" : "Create user"}
            </Button>
            {created && (
              <span className="text-xs text-emerald-700" role="status">
                Created {created}.
              </span>
            )}
          </div>
        </form>
        {create.isError && <ErrorNote>{create.error.message}</ErrorNote>}
        {rowError && <ErrorNote>{rowError.message}</ErrorNote>}

        {users.isPending ? (
          <p className="py-4 text-center text-slate-500">Loading users…</p>
        ) : users.isError ? (
          <ErrorNote>Could not load users: {users.error.message}</ErrorNote>
        ) : (
          <ScrollArea label="Users" className="relative border border-slate-200">
            <table className="w-full border-collapse text-left" data-testid="users-table">
              <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-500">
                <tr>
                  <th className="px-3 py-2 font-medium">Email</th>
                  <th className="px-3 py-2 font-medium">Name</th>
                  <th className="px-3 py-2 font-medium">Role</th>
                  <th className="px-3 py-2 font-medium">Status</th>
                  <th className="px-3 py-2 text-right font-medium">Documents</th>
                  <th className="px-3 py-2 font-medium">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {users.data.map((user) => {
                  const self = user.id === meId;
                  const busy =
                    (update.isPending && update.variables.id === user.id) ||
                    (del.isPending && del.variables === user.id);
                  return (
                    <tr
                      key={user.id}
                      data-testid="user-row"
                      data-email={user.email}
                      className="hover:bg-slate-50/70"
                      title={`Created ${formatDateTime(user.createdAt)}`}
                    >
                      <td className="max-w-[16rem] truncate px-3 py-2 font-medium">
                        {user.email}
                        {self && <span className="ml-1.5 text-xs font-normal text-slate-500">(you)</span>}
                      </td>
                      <td className="max-w-[12rem] truncate px-3 py-2 text-slate-700">{user.name}</td>
                      <td className="px-3 py-2">
                        <Badge tone={user.role === "admin" ? "indigo" : "gray"}>{user.role}</Badge>
                      </td>
                      <td className="px-3 py-2">
                        {user.disabled ? <Badge tone="red">Disabled</Badge> : <Badge tone="green">Active</Badge>}
                      </td>
                      <td className="px-3 py-2 text-right font-mono text-xs">{user.documentCount}</td>
                      <td className="whitespace-nowrap px-3 py-2 text-right">
                        {!self && (
                          <span className="inline-flex gap-1">
                            <Button
                              size="sm"
                              disabled={busy}
                              onClick={() => update.mutate({ id: user.id, disabled: !user.disabled })}
                            >
                              {user.disabled ? "Enable" : "Disable"}
                            </Button>
                            <Button size="sm" variant="danger" disabled={busy} onClick={() => onDelete(user)}>
                              Delete
                            </Button>
                          </span>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </ScrollArea>
        )}
        <p className="text-xs text-slate-500">
          Disabling signs the user out everywhere and stops their API keys. Deleting removes the user and all their
          documents, runs and keys.
        </p>
      </div>
    </Panel>
  );
}
