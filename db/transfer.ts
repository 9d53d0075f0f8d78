// What db:export and db:import share: the file format, the catalog of the tables to move, and the
// migration a database is at. Tables, columns and their order come from the database's own catalog, not
// from a list kept here, so a table added by a migration is moved without anyone touching this code.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { z } from "zod";
import type { OpenDbOptions } from "./index";
import { MIGRATIONS_FOLDER } from "./migrate";
import { queryRows, type Executor } from "./queries/sql";

export const EXPORT_FORMAT = "ranklens-db-export";
/** Bumped when a file written now could not be read by the previous reader. */
export const EXPORT_VERSION = 1;

/** A failure the user can act on: the CLI prints its message alone. */
export class TransferError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TransferError";
  }
}

export type ColumnInfo = { name: string; type: string };
export type TableInfo = {
  name: string;
  columns: ColumnInfo[];
  /** Primary key columns (empty: none), the export's row order. */
  primaryKey: string[];
  /** Has a GENERATED ALWAYS identity column, so an explicit id needs OVERRIDING SYSTEM VALUE. */
  identityAlways: boolean;
  /** Tables its foreign keys point to (itself excluded). */
  references: string[];
};

export type MigrationMark = { tag: string | null; when: number; hash: string };

const migrationSchema = z.object({ tag: z.string().nullable(), when: z.number(), hash: z.string() });

export const headerSchema = z.object({
  format: z.literal(EXPORT_FORMAT),
  version: z.number().int().positive(),
  createdAt: z.string(),
  app: z.object({ name: z.string(), version: z.string() }),
  source: z.object({ driver: z.string(), serverVersion: z.string(), extensions: z.record(z.string(), z.string()) }),
  migration: migrationSchema,
  tables: z.array(
    z.object({
      name: z.string(),
      columns: z.array(z.object({ name: z.string(), type: z.string() })),
      rows: z.number().int().nonnegative(),
    }),
  ),
  sequences: z.array(z.object({ name: z.string(), lastValue: z.string().nullable() })),
  indexes: z.array(z.object({ name: z.string(), definition: z.string() })),
});
export type ExportHeader = z.infer<typeof headerSchema>;

export const trailerSchema = z.object({ end: z.literal(true), rows: z.number().int(), sha256: z.string() });

/** The progress display a long transfer reports to (a bar per table on the command line). */
export type MakeProgress = (label: string, total: number) => { tick(n?: number): void; done(): void };
export const noProgress: MakeProgress = () => ({ tick() {}, done() {} });

export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Text forms that read back to the same value on any server: ISO dates in UTC, hex bytea, shortest exact
 * floats (PostgreSQL ≥ 12). SET LOCAL: only for the transaction it runs in.
 */
export async function setPortableFormats(tx: Executor): Promise<void> {
  for (const setting of [
    "TimeZone = 'UTC'",
    "DateStyle = 'ISO, YMD'",
    "IntervalStyle = 'postgres'",
    "extra_float_digits = 1",
    "bytea_output = 'hex'",
  ]) {
    await tx.execute(sql.raw(`SET LOCAL ${setting}`));
  }
}

/**
 * Every ordinary table of the public schema that belongs to no extension, parents before the tables whose
 * foreign keys point to them (the order rows can be inserted in). Generated columns are left out: they
 * are computed again on insert.
 */
export async function describeTables(db: Executor): Promise<TableInfo[]> {
  const tables = await queryRows<{ name: string }>(
    db,
    sql`SELECT c.relname AS name
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'r' AND NOT c.relispartition
          AND NOT EXISTS (SELECT 1 FROM pg_depend d
                          WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
        ORDER BY c.relname`,
  );
  const columns = await queryRows<{ table: string; name: string; type: string; identity: string; generated: string }>(
    db,
    sql`SELECT c.relname AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
               a.attidentity::text AS identity, a.attgenerated::text AS generated
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY c.relname, a.attnum`,
  );
  const keys = await queryRows<{ table: string; column: string }>(
    db,
    sql`SELECT c.relname AS table, a.attname AS column
        FROM pg_constraint con
        JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
        WHERE con.contype = 'p' AND n.nspname = 'public'
        ORDER BY c.relname, k.ord`,
  );
  const foreign = await queryRows<{ table: string; target: string }>(
    db,
    sql`SELECT DISTINCT c.relname AS table, r.relname AS target
        FROM pg_constraint con
        JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_class r ON r.oid = con.confrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace
        WHERE con.contype = 'f' AND n.nspname = 'public' AND rn.nspname = 'public'`,
  );
  const byName = new Map<string, TableInfo>(
    tables.map((t) => [t.name, { name: t.name, columns: [], primaryKey: [], identityAlways: false, references: [] }]),
  );
  for (const c of columns) {
    const t = byName.get(c.table);
    if (!t || c.generated !== "") continue;
    t.columns.push({ name: c.name, type: c.type });
    if (c.identity === "a") t.identityAlways = true;
  }
  for (const k of keys) byName.get(k.table)?.primaryKey.push(k.column);
  for (const f of foreign) {
    const t = byName.get(f.table);
    if (t && f.target !== f.table && byName.has(f.target)) t.references.push(f.target);
  }
  return insertionOrder([...byName.values()]);
}

// Kahn's algorithm, ties by name so the order is the same on every database.
function insertionOrder(tables: TableInfo[]): TableInfo[] {
  const ordered: TableInfo[] = [];
  const placed = new Set<string>();
  let pending = [...tables].sort((a, b) => a.name.localeCompare(b.name));
  while (pending.length > 0) {
    const ready = pending.filter((t) => t.references.every((r) => placed.has(r)));
    if (ready.length === 0) {
      throw new TransferError(
        `the foreign keys of ${pending.map((t) => t.name).join(", ")} form a cycle: no order loads them`,
      );
    }
    for (const t of ready) {
      ordered.push(t);
      placed.add(t.name);
    }
    pending = pending.filter((t) => !placed.has(t.name));
  }
  return ordered;
}

/** The SELECT that reads a table's rows, each as one JSON array of the columns' text forms (null stays null). */
export function rowLinesQuery(table: TableInfo): string {
  const values = table.columns.map((c) => `${quoteIdent(c.name)}::text`).join(", ");
  const order = table.primaryKey.length > 0 ? ` ORDER BY ${table.primaryKey.map(quoteIdent).join(", ")}` : "";
  return `SELECT to_json(ARRAY[${values}]::text[])::text AS line FROM ${quoteIdent(table.name)}${order}`;
}

/**
 * A table's rows as JSON lines, through a cursor so a large table is never held whole. Batches aim at
 * about 4 MB whatever the row size (a chunk row is ~1 kB, a document with its file can be megabytes).
 * Must run inside a transaction.
 */
export async function* tableLines(tx: Executor, table: TableInfo): AsyncGenerator<string[]> {
  const cursor = "ranklens_transfer";
  await tx.execute(sql.raw(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${rowLinesQuery(table)}`));
  let fetch = 1;
  let rows = 0;
  let bytes = 0;
  for (;;) {
    const batch = await queryRows<{ line: string }>(tx, sql.raw(`FETCH ${fetch} FROM ${cursor}`));
    if (batch.length === 0) break;
    const lines = batch.map((r) => r.line);
    rows += lines.length;
    for (const l of lines) bytes += l.length;
    fetch = Math.max(1, Math.min(2000, Math.floor((4 << 20) / (bytes / rows))));
    yield lines;
  }
  await tx.execute(sql.raw(`CLOSE ${cursor}`));
}

export async function countRows(db: Executor, table: string): Promise<number> {
  const [row] = await queryRows<{ n: string | number }>(
    db,
    sql.raw(`SELECT count(*)::text AS n FROM ${quoteIdent(table)}`),
  );
  return Number(row.n);
}

/** Sequences of the public schema and their positions (null: never used). */
export async function readSequences(db: Executor): Promise<{ name: string; lastValue: string | null }[]> {
  const rows = await queryRows<{ name: string; last_value: string | null }>(
    db,
    sql`SELECT sequencename AS name, last_value::text AS last_value FROM pg_sequences
        WHERE schemaname = 'public' ORDER BY sequencename`,
  );
  return rows.map((r) => ({ name: r.name, lastValue: r.last_value }));
}

/**
 * Indexes of the public tables that no constraint owns, with their CREATE INDEX statements. Besides the
 * migrations' own, the app creates some as it runs (an embedder's partial HNSW index), which a freshly
 * migrated database lacks.
 */
export async function readIndexes(db: Executor): Promise<{ name: string; definition: string }[]> {
  return queryRows<{ name: string; definition: string }>(
    db,
    sql`SELECT i.relname AS name, pg_get_indexdef(i.oid) AS definition
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = 'public' AND t.relkind = 'r'
          AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.oid)
        ORDER BY i.relname`,
  );
}

type JournalEntry = { idx: number; when: number; tag: string };

export function readJournal(migrationsFolder = MIGRATIONS_FOLDER): JournalEntry[] {
  const journal = JSON.parse(fs.readFileSync(path.join(migrationsFolder, "meta", "_journal.json"), "utf8")) as {
    entries: JournalEntry[];
  };
  return journal.entries;
}

/** The last migration applied to the database (drizzle's own record), or null when none ever was. */
export async function appliedMigration(
  db: Executor,
  migrationsFolder = MIGRATIONS_FOLDER,
): Promise<MigrationMark | null> {
  const [table] = await queryRows<{ present: boolean }>(
    db,
    sql`SELECT to_regclass('drizzle.__drizzle_migrations') IS NOT NULL AS present`,
  );
  if (!table.present) return null;
  const [last] = await queryRows<{ hash: string; created_at: string }>(
    db,
    sql`SELECT hash, created_at::text AS created_at FROM drizzle.__drizzle_migrations
        ORDER BY created_at DESC LIMIT 1`,
  );
  if (!last) return null;
  const when = Number(last.created_at);
  const tag = readJournal(migrationsFolder).find((e) => e.when === when)?.tag ?? null;
  return { tag, when, hash: last.hash };
}

/**
 * A copy of the migrations folder that stops at `tag`, for drizzle's migrator: a database brought to
 * exactly the schema an export was taken at. Remove it with `cleanup`.
 */
export function migrationsUpTo(tag: string, migrationsFolder = MIGRATIONS_FOLDER): { dir: string; cleanup(): void } {
  const entries = readJournal(migrationsFolder);
  const last = entries.findIndex((e) => e.tag === tag);
  if (last < 0) throw new TransferError(`migration ${tag} is not in ${migrationsFolder}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ranklens-migrations-"));
  fs.mkdirSync(path.join(dir, "meta"));
  const journal = JSON.parse(fs.readFileSync(path.join(migrationsFolder, "meta", "_journal.json"), "utf8"));
  journal.entries = entries.slice(0, last + 1);
  fs.writeFileSync(path.join(dir, "meta", "_journal.json"), JSON.stringify(journal, null, 2));
  for (const e of journal.entries as JournalEntry[]) {
    fs.copyFileSync(path.join(migrationsFolder, `${e.tag}.sql`), path.join(dir, `${e.tag}.sql`));
  }
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The database a command works on, chosen the way the app chooses (DATABASE_URL, else PGLITE_DIR), unless
 * a flag names one. Returns the options for openDb and a description for messages.
 */
export function chooseDatabase(
  flags: { databaseUrl?: string; pgliteDir?: string },
  env: { DATABASE_URL?: string; PGLITE_DIR: string },
): { target: OpenDbOptions; description: string } {
  if (flags.databaseUrl && flags.pgliteDir) throw new TransferError("give --database-url or --pglite-dir, not both");
  const url = flags.databaseUrl ?? (flags.pgliteDir ? undefined : env.DATABASE_URL);
  if (url) return { target: { url }, description: `PostgreSQL at ${redactUrl(url)}` };
  const dir = flags.pgliteDir ?? env.PGLITE_DIR;
  return { target: { pgliteDir: dir }, description: `PGlite at ${dir}` };
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(DATABASE_URL)";
  }
}
