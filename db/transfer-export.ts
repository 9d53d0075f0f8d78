// npm run db:export: every table of a database into one gzip'd JSON-lines file, streamed.
//
//   line 1        header: format and version, app version, source server, the last migration applied,
//                 the tables in insertion order with their columns and row counts, the sequences
//   then          per table: {"table": name}, then one JSON array per row (each value its text form or null)
//   last line     {"end": true, "rows": total, "sha256": hash of every line before it}
//
// Read in one REPEATABLE READ transaction, so the file is one consistent snapshot even while the app
// keeps writing to PostgreSQL. Written to <out>.partial and renamed at the end: no half-written backup.
import { createHash } from "node:crypto";
import fs from "node:fs";
import { pipeline } from "node:stream/promises";
import zlib from "node:zlib";
import { sql } from "drizzle-orm";
import pkg from "@/package.json";
import type { Db } from "./index";
import { queryRows } from "./queries/sql";
import {
  appliedMigration,
  countRows,
  describeTables,
  EXPORT_FORMAT,
  EXPORT_VERSION,
  noProgress,
  readIndexes,
  readSequences,
  setPortableFormats,
  tableLines,
  TransferError,
  type ExportHeader,
  type MakeProgress,
} from "./transfer";

export type ExportSummary = {
  file: string;
  bytes: number;
  migration: string | null;
  tables: { name: string; rows: number }[];
};

export async function exportDatabase({
  db,
  out,
  makeProgress = noProgress,
  migrationsFolder,
}: {
  db: Db;
  out: string;
  makeProgress?: MakeProgress;
  migrationsFolder?: string;
}): Promise<ExportSummary> {
  const partial = `${out}.partial`;
  const gzip = zlib.createGzip();
  const written = pipeline(gzip, fs.createWriteStream(partial));
  written.catch(() => {}); // awaited below; a write error also fails the pending write
  const hash = createHash("sha256");
  const write = (text: string) =>
    new Promise<void>((resolve, reject) => {
      hash.update(text);
      gzip.write(text, (err) => (err ? reject(err) : resolve()));
    });

  try {
    const { header, total } = await db.transaction(
      async (tx) => {
        await setPortableFormats(tx);
        const migration = await appliedMigration(tx, migrationsFolder);
        if (!migration) throw new TransferError("the database has no migrations applied: nothing to export");
        const tables = await describeTables(tx);
        const counts = new Map<string, number>();
        for (const t of tables) counts.set(t.name, await countRows(tx, t.name));
        const [server] = await queryRows<{ version: string }>(
          tx,
          sql`SELECT current_setting('server_version') AS version`,
        );
        const extensions = await queryRows<{ name: string; version: string }>(
          tx,
          sql`SELECT extname AS name, extversion AS version FROM pg_extension ORDER BY extname`,
        );
        const header: ExportHeader = {
          format: EXPORT_FORMAT,
          version: EXPORT_VERSION,
          createdAt: new Date().toISOString(),
          app: { name: pkg.name, version: pkg.version },
          source: {
            driver: db.$driver,
            serverVersion: server.version,
            extensions: Object.fromEntries(extensions.map((e) => [e.name, e.version])),
          },
          migration,
          tables: tables.map((t) => ({ name: t.name, columns: t.columns, rows: counts.get(t.name)! })),
          sequences: await readSequences(tx),
          indexes: await readIndexes(tx),
        };
        await write(`${JSON.stringify(header)}\n`);
        let total = 0;
        for (const table of tables) {
          const expected = counts.get(table.name)!;
          const progress = makeProgress(table.name, expected);
          await write(`${JSON.stringify({ table: table.name })}\n`);
          let rows = 0;
          for await (const lines of tableLines(tx, table)) {
            await write(`${lines.join("\n")}\n`);
            rows += lines.length;
            progress.tick(lines.length);
          }
          progress.done();
          // Cannot differ inside one snapshot; checked because the file's counts are what import trusts.
          if (rows !== expected) throw new Error(`${table.name}: read ${rows} rows, counted ${expected}`);
          total += rows;
        }
        return { header, total };
      },
      { isolationLevel: "repeatable read", accessMode: "read only" },
    );
    const trailer = JSON.stringify({ end: true, rows: total, sha256: hash.digest("hex") });
    gzip.end(`${trailer}\n`);
    await written;
    fs.renameSync(partial, out);
    return {
      file: out,
      bytes: fs.statSync(out).size,
      migration: header.migration.tag,
      tables: header.tables.map((t) => ({ name: t.name, rows: t.rows })),
    };
  } catch (err) {
    gzip.destroy();
    await written.catch(() => {});
    fs.rmSync(partial, { force: true });
    throw err;
  }
}
