import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { queryRows, type Executor } from "@/db/queries/sql";

/**
 * The session-signing secret when AUTH_SECRET is not set: generated once and kept in the database, so
 * that every app instance sharing the database signs and verifies with the same secret.
 */
export async function storedSecret(db: Executor, name: string): Promise<string> {
  const fresh = randomBytes(48).toString("base64url");
  await db.execute(sql`INSERT INTO app_secrets (name, value) VALUES (${name}, ${fresh}) ON CONFLICT (name) DO NOTHING`);
  const [row] = await queryRows<{ value: string }>(db, sql`SELECT value FROM app_secrets WHERE name = ${name}`);
  return row.value;
}
