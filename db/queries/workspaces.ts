import { and, asc, eq, sql } from "drizzle-orm";
import { users, workspaceMembers, workspaces } from "../schema";
import type { Executor } from "./sql";

export type WorkspaceSummary = { id: string; name: string; members: { userId: string; email: string; name: string }[] };

export async function createWorkspace({
  db,
  name,
}: {
  db: Executor;
  name: string;
}): Promise<{ id: string; name: string } | null> {
  const rows = await db
    .insert(workspaces)
    .values({ name })
    .onConflictDoNothing({ target: workspaces.name })
    .returning({ id: workspaces.id, name: workspaces.name });
  return rows[0] ?? null;
}

/** Deletes a workspace; its documents become private to their owners again (ON DELETE SET NULL). */
export async function deleteWorkspace({ db, id }: { db: Executor; id: string }): Promise<boolean> {
  const rows = await db.delete(workspaces).where(eq(workspaces.id, id)).returning({ id: workspaces.id });
  return rows.length > 0;
}

export async function addWorkspaceMember({
  db,
  workspaceId,
  userId,
}: {
  db: Executor;
  workspaceId: string;
  userId: string;
}): Promise<boolean> {
  const rows = await db
    .insert(workspaceMembers)
    .select(sql`SELECT w.id, u.id, now() FROM workspaces w, users u WHERE w.id = ${workspaceId} AND u.id = ${userId}`)
    .onConflictDoNothing()
    .returning({ userId: workspaceMembers.userId });
  return rows.length > 0;
}

/**
 * Removes a member; documents they shared with the workspace become private again, since sharing is
 * an explicit act of a member.
 */
export async function removeWorkspaceMember({
  db,
  workspaceId,
  userId,
}: {
  db: Executor;
  workspaceId: string;
  userId: string;
}): Promise<boolean> {
  return db.transaction(async (tx) => {
    const rows = await tx
      .delete(workspaceMembers)
      .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, userId)))
      .returning({ userId: workspaceMembers.userId });
    if (rows.length > 0) {
      await tx.execute(
        sql`UPDATE documents SET workspace_id = NULL WHERE workspace_id = ${workspaceId} AND owner_id = ${userId}`,
      );
    }
    return rows.length > 0;
  });
}

/** All workspaces with members (admin), or only those `memberId` belongs to. */
export async function listWorkspaces({
  db,
  memberId,
}: {
  db: Executor;
  memberId?: string;
}): Promise<WorkspaceSummary[]> {
  const ws = await db
    .select({ id: workspaces.id, name: workspaces.name })
    .from(workspaces)
    .where(
      memberId
        ? sql`${workspaces.id} IN (SELECT workspace_id FROM workspace_members WHERE user_id = ${memberId})`
        : undefined,
    )
    .orderBy(asc(workspaces.name));
  if (ws.length === 0) return [];
  const members = await db
    .select({ workspaceId: workspaceMembers.workspaceId, userId: users.id, email: users.email, name: users.name })
    .from(workspaceMembers)
    .innerJoin(users, eq(users.id, workspaceMembers.userId))
    .orderBy(asc(users.email));
  return ws.map((w) => ({
    ...w,
    members: members.filter((m) => m.workspaceId === w.id).map(({ userId, email, name }) => ({ userId, email, name })),
  }));
}
