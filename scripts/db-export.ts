// npm run db:export -- --out <file> [--database-url <url> | --pglite-dir <dir>]
// Writes every table of the app's database (DATABASE_URL, else PGLITE_DIR; a flag names another) into one
// gzip'd JSON-lines file: a backup, or the way to move to PostgreSQL or to a new PGlite. PGlite must not
// be in use (stop the app); PostgreSQL is read in one snapshot while the app runs.
import { runTransferCommand } from "@/db/transfer-cli";
import { exportDatabase } from "@/db/transfer-export";

runTransferCommand({
  usage: "npm run db:export -- --out <file.jsonl.gz> [--database-url <url> | --pglite-dir <dir>]",
  flags: { out: { type: "string" } },
  required: "out",
  existing: true,
  async run({ values, db, description, makeProgress }) {
    const out = values.out as string;
    const started = Date.now();
    console.error(`Exporting ${description} to ${out}`);
    const summary = await exportDatabase({ db, out, makeProgress });
    const rows = summary.tables.reduce((s, t) => s + t.rows, 0);
    console.log(
      `exported ${summary.tables.length} tables, ${rows} rows (migration ${summary.migration}) to ${summary.file}: ` +
        `${(summary.bytes / 1e6).toFixed(1)} MB in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  },
});
