// npm run db:import -- --in <file> [--replace] [--database-url <url> | --pglite-dir <dir>]
// Loads a db:export file into the app's database (DATABASE_URL, else PGLITE_DIR; a flag names another):
// all of it in one transaction, or nothing. A database that already holds data is refused unless
// --replace, which replaces all of it. Stop the app first.
import { runTransferCommand } from "@/db/transfer-cli";
import { importDatabase } from "@/db/transfer-import";

runTransferCommand({
  usage: "npm run db:import -- --in <file.jsonl.gz> [--replace] [--database-url <url> | --pglite-dir <dir>]",
  flags: { in: { type: "string" }, replace: { type: "boolean", default: false } },
  required: "in",
  async run({ values, db, description, makeProgress }) {
    const file = values.in as string;
    const started = Date.now();
    console.error(`Importing ${file} into ${description}`);
    const summary = await importDatabase({ db, file, replace: values.replace === true, makeProgress });
    const rows = summary.tables.reduce((s, t) => s + t.rows, 0);
    console.log(
      `imported ${summary.tables.length} tables, ${rows} rows (migration ${summary.migration})` +
        `${summary.replaced ? ", replacing the data that was there" : ""} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  },
});
