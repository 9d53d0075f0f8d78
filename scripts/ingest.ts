// npm run ingest -- <folder or files…> [--owner <email>]
// Uploads through the running app's API when one answers at APP_URL (default http://HOST:PORT), sending
// RANKLENS_API_KEY as a Bearer token when set (else local mode); otherwise writes into the embedded or
// PostgreSQL database directly and runs the ingest runner here until every file is done. Folders are
// recursed, dotfiles skipped. Prints a summary; exit code 1 when any file failed.
import { parseArgs } from "node:util";
import { openDb } from "@/db";
import { DatabaseLockedError } from "@/db/lock";
import { env } from "@/lib/env";
import { progressBar } from "@/lib/eval/progress";
import { appAnswers, collectFiles, formatSummary, ingestDirect, ingestViaApi } from "@/lib/ingest/cli";
import { embedderSetFor } from "@/lib/models/embedder-set";

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { owner: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help || positionals.length === 0) {
    console.error("usage: npm run ingest -- <folder or files…> [--owner <email>]");
    return values.help ? 0 : 2;
  }
  const files = await collectFiles(positionals);
  if (files.length === 0) {
    console.error("No files found.");
    return 1;
  }
  const makeProgress = (label: string, total: number) => progressBar(label, total);
  const host = ["0.0.0.0", "::", "[::]"].includes(env.HOST) ? "127.0.0.1" : env.HOST;
  const appUrl = env.APP_URL ?? `http://${host.includes(":") ? `[${host}]` : host}:${env.PORT}`;

  let summary;
  if (await appAnswers(appUrl)) {
    console.error(`Uploading ${files.length} file(s) to ${appUrl}`);
    summary = await ingestViaApi({
      appUrl,
      files,
      apiKey: env.RANKLENS_API_KEY,
      ownerEmail: values.owner,
      maxBytes: env.MAX_UPLOAD_BYTES,
      makeProgress,
    });
  } else {
    const where = env.DATABASE_URL ? "PostgreSQL (DATABASE_URL)" : `the embedded database at ${env.PGLITE_DIR}`;
    let opened;
    try {
      opened = await openDb(env.DATABASE_URL ? { url: env.DATABASE_URL } : { pgliteDir: env.PGLITE_DIR });
    } catch (error) {
      if (error instanceof DatabaseLockedError) {
        throw new Error(`${error.message}; no app answers at ${appUrl} (set APP_URL to the app's address)`);
      }
      throw error;
    }
    console.error(`No app answers at ${appUrl}: ingesting ${files.length} file(s) into ${where}`);
    try {
      // The embedders the app would write with: the one serving and, during a switch, the configured one.
      const db = opened.db;
      const embedders = embedderSetFor(async () => db, env);
      const embedder = await embedders.serving();
      summary = await ingestDirect({
        db,
        files,
        ownerEmail: values.owner,
        embedder,
        embedders: embedders.forIngest,
        maxBytes: env.MAX_UPLOAD_BYTES,
        chunking: { size: env.CHUNK_SIZE, overlap: env.CHUNK_OVERLAP },
        makeProgress,
      });
    } finally {
      await opened.close();
    }
  }
  console.log(formatSummary(summary));
  return summary.failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
