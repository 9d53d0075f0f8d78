import { createHash, randomBytes } from "node:crypto";
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import { apiKeys, users, type ApiKeyScope } from "../schema";
import type { Executor } from "./sql";

/** Keys look like `rlk_<43 base64url characters>` (256 random bits). */
export const API_KEY_PREFIX = "rlk_";
const PREFIX_SHOWN = API_KEY_PREFIX.length + 6;

export type ApiKeySummary = {
  id: string;
  name: string;
  /** The key's first characters, to tell keys apart; the key itself is shown only when created. */
  prefix: string;
  scope: ApiKeyScope;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
};

export const hashApiKey = (key: string) => createHash("sha256").update(key, "utf8").digest("hex");

const summaryColumns = {
  id: apiKeys.id,
  name: apiKeys.name,
  prefix: apiKeys.prefix,
  scope: apiKeys.scope,
  createdAt: apiKeys.createdAt,
  lastUsedAt: apiKeys.lastUsedAt,
  revokedAt: apiKeys.revokedAt,
};

function toSummary(r: { [K in keyof typeof summaryColumns]: (typeof apiKeys.$inferSelect)[K] }): ApiKeySummary {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    scope: r.scope,
    createdAt: r.createdAt.toISOString(),
    lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
    revokedAt: r.revokedAt?.toISOString() ?? null,
  };
}

/** Creates a key; the returned `key` is the only time it exists in clear. */
export async function createApiKey({
  db,
  userId,
  name,
  scope,
}: {
  db: Executor;
  userId: string;
  name: string;
  scope: ApiKeyScope;
}): Promise<ApiKeySummary & { key: string }> {
  const key = API_KEY_PREFIX + randomBytes(32).toString("base64url");
  const [row] = await db
    .insert(apiKeys)
    .values({ userId, name, scope, prefix: key.slice(0, PREFIX_SHOWN), hash: hashApiKey(key) })
    .returning(summaryColumns);
  return { ...toSummary(row), key };
}

export async function listApiKeys({ db, userId }: { db: Executor; userId: string }): Promise<ApiKeySummary[]> {
  const rows = await db
    .select(summaryColumns)
    .from(apiKeys)
    .where(eq(apiKeys.userId, userId))
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
  return rows.map(toSummary);
}

/** Revokes one of the user's keys (false: no such live key of theirs). */
export async function revokeApiKey({ db, userId, id }: { db: Executor; userId: string; id: string }): Promise<boolean> {
  const rows = await db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.id, id), eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  return rows.length > 0;
}

export type ApiKeyOwner = {
  keyId: string;
  scope: ApiKeyScope;
  userId: string;
  email: string;
  name: string;
  role: string;
};

/** The live key's owner (not revoked, user not disabled), marking the key used; null for anything else. */
export async function findApiKeyOwner({ db, key }: { db: Executor; key: string }): Promise<ApiKeyOwner | null> {
  if (!key.startsWith(API_KEY_PREFIX) || key.length > 200) return null;
  const [row] = await db
    .select({
      keyId: apiKeys.id,
      scope: apiKeys.scope,
      userId: users.id,
      email: users.email,
      name: users.name,
      role: sql<string>`coalesce(${users.role}, 'user')`,
      lastUsedAt: apiKeys.lastUsedAt,
    })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(
      and(eq(apiKeys.hash, hashApiKey(key)), isNull(apiKeys.revokedAt), sql`coalesce(${users.banned}, false) = false`),
    );
  if (!row) return null;
  // last_used_at to the minute: one write per key per minute at most.
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
    await db.update(apiKeys).set({ lastUsedAt: new Date() }).where(eq(apiKeys.id, row.keyId));
  }
  const { lastUsedAt: _used, ...owner } = row;
  return owner;
}
