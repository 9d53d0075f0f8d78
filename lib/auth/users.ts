import { randomBytes } from "node:crypto";
import { and, asc, eq, ne, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db";
import { queryRows, type Executor } from "@/db/queries/sql";
import { LOCAL_USER_ID, sessions, users, type UserRole } from "@/db/schema";
import { AppError } from "@/lib/errors";
import type { Auth } from "./server";

export type UserSummary = {
  id: string;
  email: string;
  name: string;
  role: UserRole;
  disabled: boolean;
  createdAt: string;
  documentCount: number;
};

export const newUserSchema = z.object({
  email: z
    .email()
    .max(254)
    .transform((e) => e.toLowerCase()),
  name: z.string().trim().min(1).max(100),
  password: z.string().min(10, "must be at least 10 characters").max(256),
  role: z.enum(["admin", "user"]).default("user"),
});
export type NewUser = z.input<typeof newUserSchema>;

/** Creates a user with a password sign-in (scrypt-hashed by Better Auth). 409 when the email is taken. */
export async function createUser({ db, auth, user }: { db: Db; auth: Auth; user: NewUser }): Promise<UserSummary> {
  const parsed = newUserSchema.parse(user);
  const ctx = await auth.$context;
  const [taken] = await db.select({ id: users.id }).from(users).where(eq(users.email, parsed.email));
  if (taken) throw new AppError("conflict:admin", `A user with the email ${parsed.email} already exists.`);
  const hash = await ctx.password.hash(parsed.password);
  const created = await ctx.internalAdapter.createUser(
    {
      email: parsed.email,
      name: parsed.name,
      emailVerified: true,
      role: parsed.role,
    },
    { method: "admin" },
  );
  try {
    await ctx.internalAdapter.linkAccount({
      userId: created.id,
      providerId: "credential",
      accountId: created.id,
      password: hash,
    });
  } catch (error) {
    await db.delete(users).where(eq(users.id, created.id)); // no user without a way to sign in
    throw error;
  }
  return (await getUser({ db, id: created.id }))!;
}

const summarySql = sql`
  SELECT u.id, u.email, u.name, coalesce(u.role, 'user') AS role, coalesce(u.banned, false) AS banned,
         u.created_at, (SELECT count(*) FROM documents d WHERE d.owner_id = u.id) AS document_count
  FROM users u`;

type SummaryRow = {
  id: string;
  email: string;
  name: string;
  role: string;
  banned: boolean;
  created_at: Date | string;
  document_count: unknown;
};

function toSummary(r: SummaryRow): UserSummary {
  return {
    id: r.id,
    email: r.email,
    name: r.name,
    role: r.role === "admin" ? "admin" : "user",
    disabled: r.banned,
    createdAt: new Date(r.created_at).toISOString(),
    documentCount: Number(r.document_count),
  };
}

/** Every user who can sign in (the implicit local user is not listed), oldest first. */
export async function listUsers({ db }: { db: Executor }): Promise<UserSummary[]> {
  const rows = await queryRows<SummaryRow>(
    db,
    sql`${summarySql} WHERE u.id <> ${LOCAL_USER_ID} ORDER BY u.created_at, u.id`,
  );
  return rows.map(toSummary);
}

export async function getUser({ db, id }: { db: Executor; id: string }): Promise<UserSummary | null> {
  const [row] = await queryRows<SummaryRow>(db, sql`${summarySql} WHERE u.id = ${id}`);
  return row ? toSummary(row) : null;
}

/** Disables (signs out everywhere, refuses sign-in and API keys) or re-enables a user. */
export async function setUserDisabled({
  db,
  id,
  disabled,
}: {
  db: Db;
  id: string;
  disabled: boolean;
}): Promise<boolean> {
  return db.transaction(async (tx) => {
    const updated = await tx
      .update(users)
      .set({ banned: disabled, banReason: disabled ? "disabled by an admin" : null, updatedAt: new Date() })
      .where(and(eq(users.id, id), ne(users.id, LOCAL_USER_ID)))
      .returning({ id: users.id });
    if (updated.length > 0 && disabled) await tx.delete(sessions).where(eq(sessions.userId, id));
    return updated.length > 0;
  });
}

export async function setUserRole({ db, id, role }: { db: Executor; id: string; role: UserRole }): Promise<boolean> {
  const updated = await db
    .update(users)
    .set({ role, updatedAt: new Date() })
    .where(and(eq(users.id, id), ne(users.id, LOCAL_USER_ID)))
    .returning({ id: users.id });
  return updated.length > 0;
}

/**
 * Deletes a user and everything of theirs: documents (with chunks, postings, rerank-cache entries, and
 * the passage text other users' runs copied from documents shared with them: drizzle/0005's trigger),
 * runs, API keys, sessions, memberships.
 */
export async function deleteUser({ db, id }: { db: Executor; id: string }): Promise<boolean> {
  if (id === LOCAL_USER_ID) return false;
  const deleted = await db.delete(users).where(eq(users.id, id)).returning({ id: users.id });
  return deleted.length > 0;
}

export async function countAdmins({ db }: { db: Executor }): Promise<number> {
  const rows = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.role, "admin"), ne(users.id, LOCAL_USER_ID), eq(users.banned, false)))
    .orderBy(asc(users.id));
  return rows.length;
}

/**
 * First start in accounts mode: when no one can sign in yet, creates the admin (ADMIN_EMAIL, and
 * ADMIN_PASSWORD or a generated password printed once) and hands it what AUTH_MODE=local stored.
 * Safe to race: a second instance's insert loses on the unique email and changes nothing.
 */
export async function bootstrapAdmin({
  db,
  auth,
  email,
  password,
  log = (line: string) => console.log(line),
}: {
  db: Db;
  auth: Auth;
  email: string;
  password?: string;
  log?: (line: string) => void;
}): Promise<{ created: boolean; password?: string }> {
  const [anyone] = await db.select({ id: users.id }).from(users).where(ne(users.id, LOCAL_USER_ID)).limit(1);
  if (anyone) return { created: false };
  const chosen = password ?? randomBytes(18).toString("base64url");
  let admin: UserSummary;
  try {
    admin = await createUser({ db, auth, user: { email, name: "Admin", password: chosen, role: "admin" } });
  } catch (error) {
    if (error instanceof AppError && error.type === "conflict") return { created: false };
    const [again] = await db.select({ id: users.id }).from(users).where(ne(users.id, LOCAL_USER_ID)).limit(1);
    if (again) return { created: false }; // another instance won the race
    throw error;
  }
  await db.execute(sql`UPDATE documents SET owner_id = ${admin.id} WHERE owner_id = ${LOCAL_USER_ID}`);
  await db.execute(sql`UPDATE retrieval_runs SET user_id = ${admin.id} WHERE user_id = ${LOCAL_USER_ID}`);
  log(`[auth] created the admin account ${email}`);
  if (!password) log(`[auth] its generated password (shown once, change it by creating a new admin): ${chosen}`);
  return { created: true, ...(password ? {} : { password: chosen }) };
}
