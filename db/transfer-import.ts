// npm run db:import: loads a db:export file into a database, all of it or nothing.
//
// Order of work: read and check the header → bring the target to the file's migration (never past it, so
// the migrations after it run on the imported rows just as they would have on the source) → refuse a
// target holding data unless `replace` → in ONE transaction: empty every table, load the rows table by
// table in foreign-key order, check counts and checksum against the trailer, set the sequences → then
// apply the remaining migrations and ANALYZE.
//
// Triggers are switched off during the load (DISABLE TRIGGER USER, inside the transaction): the file
// already holds what they maintain (corpus_stats, postings), exactly as the source had it, and running
// them would count every chunk twice. Foreign keys stay checked.
import { createHash } from "node:crypto";
import fs from "node:fs";
import { pipeline } from "node:stream/promises";
import { StringDecoder } from "node:string_decoder";
import zlib from "node:zlib";
import { sql } from "drizzle-orm";
import { openDb, type Db } from "./index";
import { migrate, MIGRATIONS_FOLDER } from "./migrate";
import { queryRows, type Executor } from "./queries/sql";
import {
  appliedMigration,
  countRows,
  describeTables,
  EXPORT_FORMAT,
  EXPORT_VERSION,
  headerSchema,
  migrationsUpTo,
  noProgress,
  quoteIdent,
  readIndexes,
  readJournal,
  readSequences,
  setPortableFormats,
  trailerSchema,
  TransferError,
  type ExportHeader,
  type MakeProgress,
  type TableInfo,
} from "./transfer";

export type ImportSummary = {
  migration: string;
  tables: { name: string; rows: number }[];
  /** The target held data that was replaced. */
  replaced: boolean;
};

/** Rows per INSERT, and the text size that closes a batch early (big documents). */
const BATCH_ROWS = 1000;
const BATCH_BYTES = 4 << 20;

/** Lines of a gzip'd file, one at a time; a damaged or truncated file fails the iteration. */
async function* fileLines(file: string): AsyncGenerator<string> {
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new TransferError(`${file}: no such file`);
    throw err;
  }
  const magic = Buffer.alloc(2);
  const n = fs.readSync(fd, magic, 0, 2, 0);
  fs.closeSync(fd);
  if (n < 2 || magic[0] !== 0x1f || magic[1] !== 0x8b) {
    throw new TransferError(`${file} is not a RankLens database export (not gzip data)`);
  }
  const gunzip = zlib.createGunzip();
  const reading = pipeline(fs.createReadStream(file), gunzip);
  reading.catch(() => {}); // the same error reaches the loop below
  const decoder = new StringDecoder("utf8");
  let rest = "";
  try {
    for await (const chunk of gunzip) {
      const text = rest + decoder.write(chunk as Buffer);
      const lines = text.split("\n");
      rest = lines.pop()!;
      yield* lines;
    }
  } catch (err) {
    if (
      typeof (err as NodeJS.ErrnoException).code === "string" &&
      (err as NodeJS.ErrnoException).code!.startsWith("Z_")
    ) {
      throw new TransferError(`${file} is damaged or truncated (${(err as Error).message})`);
    }
    throw err;
  }
  rest += decoder.end();
  if (rest !== "") yield rest;
}

/** The file, read line by line, with the checksum of what has been read so far. */
class ExportReader {
  private readonly lines: AsyncGenerator<string>;
  private readonly hash = createHash("sha256");
  lineNo = 0;

  constructor(readonly file: string) {
    this.lines = fileLines(file);
  }

  /** The next line, or null at the end. A line counts towards the checksum once `digest`ed (not the trailer). */
  async next(): Promise<string | null> {
    const r = await this.lines.next();
    if (r.done) return null;
    this.lineNo++;
    return r.value;
  }

  digest(line: string) {
    this.hash.update(`${line}\n`);
  }

  checksum(): string {
    return this.hash.digest("hex");
  }

  fail(message: string): TransferError {
    return new TransferError(`${this.file}, line ${this.lineNo}: ${message}`);
  }

  async close() {
    await this.lines.return(undefined);
  }
}

function parseJson(reader: ExportReader, line: string, what: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw reader.fail(`${what} is not valid JSON (damaged file?)`);
  }
}

async function readHeader(reader: ExportReader): Promise<ExportHeader> {
  const line = await reader.next();
  if (line === null) throw new TransferError(`${reader.file} is empty`);
  const raw = parseJson(reader, line, "the header");
  const base = raw as { format?: unknown; version?: unknown };
  if (typeof raw !== "object" || raw === null || base.format !== EXPORT_FORMAT) {
    throw new TransferError(`${reader.file} is not a RankLens database export`);
  }
  if (typeof base.version === "number" && base.version > EXPORT_VERSION) {
    throw new TransferError(
      `${reader.file} is export format ${base.version}, written by a newer RankLens; this one reads format ${EXPORT_VERSION}`,
    );
  }
  const parsed = headerSchema.safeParse(raw);
  if (!parsed.success) throw reader.fail(`the header is malformed: ${parsed.error.issues[0]?.message}`);
  reader.digest(line);
  return parsed.data;
}

/** The file's migration in this code's journal; refuses a file from a newer schema. */
function fileMigrationTag(header: ExportHeader, migrationsFolder: string): string {
  const journal = readJournal(migrationsFolder);
  const entry = journal.find((e) => e.when === header.migration.when);
  if (entry) return entry.tag;
  const latest = journal[journal.length - 1];
  const named = header.migration.tag ?? `of ${new Date(header.migration.when).toISOString()}`;
  if (header.migration.when > latest.when) {
    throw new TransferError(
      `the file comes from a newer schema (migration ${named}; this RankLens knows up to ${latest.tag}): ` +
        `import it with the RankLens version that exported it, or a later one`,
    );
  }
  throw new TransferError(`the file's migration ${named} is not one of this RankLens's migrations`);
}

/** Primary keys (whole rows where there is none) of a table, as comparable strings. */
async function rowKeys(db: Executor, table: TableInfo): Promise<Set<string>> {
  const cols = table.primaryKey.length > 0 ? table.primaryKey : table.columns.map((c) => c.name);
  const rows = await queryRows<{ key: string }>(
    db,
    sql.raw(
      `SELECT to_json(ARRAY[${cols.map((c) => `${quoteIdent(c)}::text`).join(", ")}]::text[])::text AS key FROM ${quoteIdent(table.name)}`,
    ),
  );
  return new Set(rows.map((r) => r.key));
}

/**
 * Tables of the target holding rows a freshly migrated database would not have (the migrations seed a few,
 * such as the local user): the target's data that an import would replace.
 */
async function tablesWithData(
  db: Db,
  tables: TableInfo[],
  migrationsDir: string,
  level: string,
): Promise<{ name: string; rows: number }[]> {
  const found: { name: string; rows: number }[] = [];
  let seeded: Map<string, Set<string>> | null = null;
  for (const table of tables) {
    const rows = await countRows(db, table.name);
    if (rows === 0) continue;
    seeded ??= await seedRows(tables, migrationsDir, level);
    const seed = seeded.get(table.name) ?? new Set<string>();
    if (rows > seed.size || [...(await rowKeys(db, table))].some((k) => !seed.has(k))) {
      found.push({ name: table.name, rows });
    }
  }
  return found;
}

// The keys of the rows the migrations up to `level` create, from a throwaway in-memory database; kept
// for the process (tests import many times).
const seedCache = new Map<string, Map<string, Set<string>>>();

async function seedRows(tables: TableInfo[], migrationsDir: string, level: string) {
  const cached = seedCache.get(level);
  if (cached) return cached;
  const fresh = await openDb({ memory: true, migrate: false });
  try {
    await migrate(fresh.db, migrationsDir);
    const keys = new Map<string, Set<string>>();
    for (const table of tables) keys.set(table.name, await rowKeys(fresh.db, table));
    seedCache.set(level, keys);
    return keys;
  } finally {
    await fresh.close();
  }
}

function sameColumns(a: { name: string; type: string }[], b: { name: string; type: string }[]): boolean {
  return a.length === b.length && a.every((c, i) => c.name === b[i].name && c.type === b[i].type);
}

async function insertBatch(tx: Executor, table: TableInfo, lines: string[]): Promise<void> {
  const cols = table.columns.map((c) => quoteIdent(c.name)).join(", ");
  // Each value goes through its type's input function: the text form the export wrote reads back exactly.
  const values = table.columns.map((c, i) => `(r->>${i})::${c.type}`).join(", ");
  const overriding = table.identityAlways ? " OVERRIDING SYSTEM VALUE" : "";
  await tx.execute(
    sql`${sql.raw(`INSERT INTO ${quoteIdent(table.name)} (${cols})${overriding} SELECT ${values} FROM jsonb_array_elements(`)}${`[${lines.join(",")}]`}${sql.raw("::jsonb) AS r")}`,
  );
}

async function loadRows(
  tx: Executor,
  reader: ExportReader,
  header: ExportHeader,
  tables: TableInfo[],
  makeProgress: MakeProgress,
) {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const all = tables.map((t) => quoteIdent(t.name)).join(", ");
  await tx.execute(sql.raw(`TRUNCATE ${all} RESTART IDENTITY`));
  for (const t of tables) await tx.execute(sql.raw(`ALTER TABLE ${quoteIdent(t.name)} DISABLE TRIGGER USER`));

  let line = await reader.next();
  for (const entry of header.tables) {
    const table = byName.get(entry.name)!;
    if (line === null) throw reader.fail(`the file ends before table ${entry.name} (truncated?)`);
    const marker = parseJson(reader, line, "a table marker") as { table?: unknown };
    if (marker?.table !== entry.name) throw reader.fail(`expected the rows of ${entry.name} here`);
    reader.digest(line);
    const progress = makeProgress(entry.name, entry.rows);
    let batch: string[] = [];
    let bytes = 0;
    let rows = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      await insertBatch(tx, table, batch);
      progress.tick(batch.length);
      batch = [];
      bytes = 0;
    };
    for (line = await reader.next(); line !== null && line.startsWith("["); line = await reader.next()) {
      const row = parseJson(reader, line, `a row of ${entry.name}`);
      if (
        !Array.isArray(row) ||
        row.length !== table.columns.length ||
        !row.every((v) => v === null || typeof v === "string")
      ) {
        throw reader.fail(`a row of ${entry.name} does not have its ${table.columns.length} columns`);
      }
      reader.digest(line);
      batch.push(line);
      bytes += line.length;
      rows++;
      if (rows > entry.rows) throw reader.fail(`${entry.name} has more rows than the header's ${entry.rows}`);
      if (batch.length >= BATCH_ROWS || bytes >= BATCH_BYTES) await flush();
    }
    await flush();
    progress.done();
    if (rows !== entry.rows) throw reader.fail(`${entry.name} has ${rows} rows, the header says ${entry.rows}`);
  }

  if (line === null) throw reader.fail("the file ends without its trailer (truncated?)");
  const trailer = trailerSchema.safeParse(parseJson(reader, line, "the trailer"));
  if (!trailer.success) throw reader.fail("expected the trailer here");
  const total = header.tables.reduce((s, t) => s + t.rows, 0);
  if (trailer.data.rows !== total)
    throw reader.fail(`the trailer counts ${trailer.data.rows} rows, the header ${total}`);
  if (trailer.data.sha256 !== reader.checksum()) throw reader.fail("checksum mismatch: the file is damaged");
  if ((await reader.next()) !== null) throw reader.fail("unexpected data after the trailer");

  const present = new Set((await readSequences(tx)).map((s) => s.name));
  for (const s of header.sequences) {
    if (!present.has(s.name)) throw new TransferError(`sequence ${s.name} of the file does not exist in the target`);
    const seq = quoteIdent(s.name);
    await tx.execute(
      s.lastValue === null
        ? sql.raw(`ALTER SEQUENCE ${seq} RESTART`)
        : sql`SELECT setval(${seq}::regclass, ${s.lastValue}::bigint, true)`,
    );
  }
  // The indexes the app created as it ran (and none the target had that the source did not): built once
  // over the loaded rows.
  const wanted = new Map(header.indexes.map((i) => [i.name, i.definition]));
  const have = new Map((await readIndexes(tx)).map((i) => [i.name, i.definition]));
  for (const [name, definition] of have) {
    if (wanted.get(name) !== definition) await tx.execute(sql.raw(`DROP INDEX ${quoteIdent(name)}`));
  }
  for (const [name, definition] of wanted) {
    if (have.get(name) === definition) continue;
    // The statement comes from the file: run nothing but one CREATE INDEX on a table being loaded.
    const on = /^CREATE (?:UNIQUE )?INDEX (?:"[^"]+"|\w+) ON (?:public\.)?("[^"]+"|\w+) USING [^;]+$/.exec(definition);
    if (!on || !byName.has(on[1].replace(/^"|"$/g, "")))
      throw new TransferError(`index ${name}: not an index definition`);
    await tx.execute(sql.raw(definition));
  }
  for (const t of tables) await tx.execute(sql.raw(`ALTER TABLE ${quoteIdent(t.name)} ENABLE TRIGGER USER`));
}

export async function importDatabase({
  db,
  file,
  replace = false,
  makeProgress = noProgress,
  migrationsFolder = MIGRATIONS_FOLDER,
}: {
  db: Db;
  file: string;
  replace?: boolean;
  makeProgress?: MakeProgress;
  migrationsFolder?: string;
}): Promise<ImportSummary> {
  const reader = new ExportReader(file);
  try {
    const header = await readHeader(reader);
    const tag = fileMigrationTag(header, migrationsFolder);

    const before = await appliedMigration(db, migrationsFolder);
    if (before && before.when > header.migration.when) {
      throw new TransferError(
        `the target is at migration ${before.tag ?? before.when}, newer than the file's ${tag}: ` +
          `import into a fresh database (an empty PGLITE_DIR or a new PostgreSQL database)`,
      );
    }
    const atFileLevel = migrationsUpTo(tag, migrationsFolder);
    let replaced = false;
    try {
      await migrate(db, atFileLevel.dir);
      const tables = await describeTables(db);
      const fileTables = header.tables.map((t) => t.name).sort();
      const ours = tables.map((t) => t.name).sort();
      if (fileTables.join() !== ours.join()) {
        throw new TransferError(
          `the file's tables (${fileTables.join(", ")}) differ from migration ${tag}'s (${ours.join(", ")})`,
        );
      }
      // Load in the target's insertion order, which the file's own order must follow.
      const position = new Map(header.tables.map((t, i) => [t.name, i]));
      for (const t of tables) {
        const entry = header.tables[position.get(t.name)!];
        if (!sameColumns(entry.columns, t.columns)) {
          throw new TransferError(`the columns of ${t.name} in the file differ from migration ${tag}'s`);
        }
        for (const parent of t.references) {
          if (position.get(parent)! > position.get(t.name)!) {
            throw new TransferError(`the file lists ${t.name} before ${parent}, which it references`);
          }
        }
      }
      const ordered = header.tables.map((e) => tables.find((t) => t.name === e.name)!);

      // A target never migrated before holds nothing; otherwise compare it with a fresh database.
      const holding = before ? await tablesWithData(db, ordered, atFileLevel.dir, `${tag}@${migrationsFolder}`) : [];
      if (holding.length > 0 && !replace) {
        throw new TransferError(
          `the target already holds data (${holding.map((t) => `${t.name}: ${t.rows} rows`).join(", ")}); ` +
            `pass --replace to replace it`,
        );
      }
      replaced = holding.length > 0;
      await db.transaction(async (tx) => {
        await setPortableFormats(tx);
        await loadRows(tx, reader, header, ordered, makeProgress);
      });
    } finally {
      atFileLevel.cleanup();
    }
    // Committed: the migrations after the file's now run on its rows, as they would have on the source.
    await migrate(db, migrationsFolder);
    await db.execute(sql`ANALYZE`); // fresh planner statistics (PGlite has no autovacuum)
    return { migration: tag, tables: header.tables.map((t) => ({ name: t.name, rows: t.rows })), replaced };
  } finally {
    await reader.close();
  }
}
