import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import postgres from "postgres";
import { env } from "@/lib/env";
import { acquireDirLock } from "./lock";
import { migrate } from "./migrate";
import * as schema from "./schema";
import { requeueOrphanedIngestJobs } from "./queries/documents";

export type Schema = typeof schema;
/** Either driver: PGlite (embedded) or postgres.js. `$driver` says which. */
export type Db = PgDatabase<PgQueryResultHKT, Schema> & { readonly $driver: "pglite" | "postgres" };

export type OpenDbOptions = {
  /** PostgreSQL connection string; wins over the PGlite options. */
  url?: string;
  /** PGlite data directory (locked with `<dir>.lock` while open). */
  pgliteDir?: string;
  /** In-memory PGlite (tests). */
  memory?: boolean;
  /** Apply drizzle/ migrations on open (default true). */
  migrate?: boolean;
};

export type OpenedDb = { db: Db; close(): Promise<void> };

function tag(db: object, driver: Db["$driver"]): Db {
  Object.defineProperty(db, "$driver", { value: driver, enumerable: false });
  return db as Db;
}

async function openPglite(dataDir: string | undefined): Promise<OpenedDb> {
  const lock = dataDir ? acquireDirLock(dataDir) : null;
  try {
    if (dataDir) fs.mkdirSync(path.dirname(path.resolve(dataDir)), { recursive: true });
    const client = await PGlite.create({
      dataDir: dataDir ? path.resolve(dataDir) : undefined,
      extensions: { vector },
    });
    const db = tag(drizzlePglite({ client, schema }), "pglite");
    return {
      db,
      async close() {
        try {
          await client.close();
        } finally {
          lock?.release();
        }
      },
    };
  } catch (err) {
    lock?.release();
    throw err;
  }
}

function openPostgres(url: string): OpenedDb {
  // Quiet NOTICEs such as "extension already exists, skipping" from the migrations.
  const client = postgres(url, { max: 10, onnotice: () => {} });
  const db = tag(drizzlePostgres({ client, schema }), "postgres");
  return { db, close: () => client.end({ timeout: 5 }) };
}

export async function openDb(opts: OpenDbOptions = {}): Promise<OpenedDb> {
  const opened = opts.url
    ? openPostgres(opts.url)
    : await openPglite(opts.memory ? undefined : (opts.pgliteDir ?? env.PGLITE_DIR));
  try {
    if (opts.migrate !== false) await migrate(opened.db);
    // The directory lock makes this process PGlite's only user: any job marked running was left by a
    // process that died, so it is resumed now instead of after its lease expires. Not when migrations are
    // skipped: db:export reads without writing, and db:import may open a directory with no tables yet.
    if (opened.db.$driver === "pglite" && opts.migrate !== false) await requeueOrphanedIngestJobs({ db: opened.db });
  } catch (err) {
    await opened.close().catch(() => {});
    throw err;
  }
  return opened;
}

// One client per process, kept on globalThis so Next.js dev reloads do not open PGlite twice.
const globalForDb = globalThis as unknown as { __ranklensDb?: Promise<OpenedDb> };

export function getDb(): Promise<Db> {
  if (!globalForDb.__ranklensDb) {
    const opening = openDb(env.DATABASE_URL ? { url: env.DATABASE_URL } : { pgliteDir: env.PGLITE_DIR });
    // A failed open is not cached, so the next call retries (e.g. after the other process stopped).
    opening.catch(() => {
      if (globalForDb.__ranklensDb === opening) globalForDb.__ranklensDb = undefined;
    });
    globalForDb.__ranklensDb = opening;
  }
  return globalForDb.__ranklensDb.then((o) => o.db);
}

/** Closes the getDb() singleton (scripts, graceful shutdown). */
export async function closeDb(): Promise<void> {
  const opening = globalForDb.__ranklensDb;
  globalForDb.__ranklensDb = undefined;
  if (opening) await (await opening).close();
}

export { schema };
