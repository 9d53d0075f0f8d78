"use client";

import { useMe } from "@/components/auth/use-me";
import { Badge } from "@/components/ui/badge";
import { ErrorNote } from "@/components/ui/field";
import { Panel } from "@/components/ui/panel";
import { ApiKeysPanel } from "./api-keys-panel";

export function SettingsView() {
  const me = useMe();
  return (
    <div className="mx-auto flex w-full max-w-4xl flex-col gap-4">
      <div className="flex flex-wrap items-baseline gap-3">
        <h1 className="text-lg font-semibold">Settings</h1>
        {me.data && (
          <span className="text-xs text-slate-500">
            {me.data.mode === "local" ? "Local mode" : `Signed in as ${me.data.user.email}`}
            {me.data.user.role === "admin" && me.data.mode === "accounts" ? " · admin" : ""}
          </span>
        )}
      </div>
      <ApiKeysPanel />
      <Panel title="Your workspaces" data-testid="my-workspaces">
        <div className="p-3">
          {me.isPending ? (
            <p className="text-slate-500">Loading…</p>
          ) : me.isError ? (
            <ErrorNote>Could not load your account: {me.error.message}</ErrorNote>
          ) : me.data.workspaces.length === 0 ? (
            <p className="text-slate-500">
              You are not in any workspace. An admin can add you to one; then you can share documents with it.
            </p>
          ) : (
            <>
              <p className="mb-2 text-slate-600">
                Documents you share with a workspace can be read (and searched) by its members.
              </p>
              <ul className="flex flex-wrap gap-2">
                {me.data.workspaces.map((w) => (
                  <li key={w.id}>
                    <Badge tone="indigo">{w.name}</Badge>
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      </Panel>
    </div>
  );
}
