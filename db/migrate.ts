import path from "node:path";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import type { PgliteDatabase } from "drizzle-orm/pglite";
import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import type { Db } from "./index";

export const MIGRATIONS_FOLDER = path.resolve(process.cwd(), "drizzle");

// The same SQL files (drizzle/) applied through each driver's own migrator.
export async function migrate(db: Db, migrationsFolder = MIGRATIONS_FOLDER): Promise<void> {
  if (db.$driver === "pglite") {
    await migratePglite(db as unknown as PgliteDatabase, { migrationsFolder });
  } else {
    await migratePostgres(db as unknown as PostgresJsDatabase, { migrationsFolder });
  }
}
