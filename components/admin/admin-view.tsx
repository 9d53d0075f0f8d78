"use client";

import { useMe } from "@/components/auth/use-me";
import { ErrorNote } from "@/components/ui/field";
import { useUsers } from "./use-admin";
import { UsersPanel } from "./users-panel";
import { WorkspacesPanel } from "./workspaces-panel";

export function AdminView() {
  const me = useMe();
  const isAdmin = me.data?.user.role === "admin";
  const users = useUsers(isAdmin);

  if (me.isPending) return <p className="py-8 text-center text-slate-500">Loading…</p>;
  if (me.isError) return <ErrorNote>Could not load your account: {me.error.message}</ErrorNote>;
  if (!isAdmin) {
    return (
      <p className="py-8 text-center text-slate-600" data-testid="admin-only">
        Only admins can see this page.
      </p>
    );
  }
  return (
    <div className="flex flex-col gap-4">
      <h1 className="text-lg font-semibold">Admin</h1>
      <div className="flex flex-col gap-4">
        <UsersPanel users={users} meId={me.data.user.id} />
        <WorkspacesPanel users={users.data ?? []} />
      </div>
    </div>
  );
}
