import type { SQL } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type { Schema } from "../index";

/** A database or a transaction on it. */
export type Executor = PgDatabase<PgQueryResultHKT, Schema>;

// PGlite returns { rows }, postgres.js an array of rows.
export async function queryRows<T>(db: Executor, query: SQL): Promise<T[]> {
  const res = (await db.execute(query)) as unknown;
  return (Array.isArray(res) ? res : (res as { rows: T[] }).rows) as T[];
}

// Raw SQL results: bigint/numeric may come back as string or bigint depending on the driver.
export const num = (v: unknown): number => (typeof v === "number" ? v : Number(v));
