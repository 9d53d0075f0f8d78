// A child process for the durability tests (lib/ingest/durability.int.test.ts): opens the database (a
// PGlite directory or a PostgreSQL URL), optionally stores documents, and runs the real ingest runner
// with a slow, deterministic embedder, narrating on stdout so the parent can kill it at a known point:
//   ack <id>            an upload committed (acknowledged)
//   claim <id>          a job claimed
//   embed <n>           an embedding batch of n passages started
//   job <id> <outcome>  a job finished (ready, retry, failed, lost)
//   idle                nothing claimable right now
// With --exit-when-idle it exits once no job is left at all (a running one elsewhere may still come back).
//
// tsx lib/ingest/testing/ingest-child.ts (--pglite <dir> | --url <url>) [--upload <file>]…
//   [--embed-delay-ms 20] [--lease-ms 60000] [--chunk-size 100] [--batch-jobs 32] [--exit-when-idle]
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { openDb, type Db } from "@/db";
import * as documentQueries from "@/db/queries/documents";
import { startIngestRunner, type IngestQueries } from "../runner";
import { hashEmbedder } from "./hash-embedder";

async function main() {
  const { values } = parseArgs({
    options: {
      pglite: { type: "string" },
      url: { type: "string" },
      upload: { type: "string", multiple: true, default: [] },
      "embed-delay-ms": { type: "string", default: "20" },
      "lease-ms": { type: "string", default: String(documentQueries.INGEST_LEASE_MS) },
      "chunk-size": { type: "string", default: "100" },
      "batch-jobs": { type: "string", default: "32" },
      "exit-when-idle": { type: "boolean", default: false },
    },
  });
  if (!values.pglite === !values.url) throw new Error("give --pglite <dir> or --url <url>");
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const { db, close } = await openDb(values.url ? { url: values.url } : { pgliteDir: values.pglite });

  for (const file of values.upload) {
    const raw = new Uint8Array(readFileSync(file));
    const { id } = await documentQueries.createDocumentWithJob({
      db,
      name: path.basename(file),
      type: "text/plain",
      size: raw.length,
      sha256: `${path.basename(file)}-${raw.length}`,
      raw,
    });
    say(`ack ${id}`);
  }

  const embedder = hashEmbedder({
    delayMs: Number(values["embed-delay-ms"]),
    onBatch: (n) => say(`embed ${n}`),
  });
  const queries: IngestQueries = {
    ...documentQueries,
    claimNextIngestJob: async (args) => {
      const job = await documentQueries.claimNextIngestJob(args);
      if (job) say(`claim ${job.documentId}`);
      return job;
    },
    claimIngestJobs: async (args) => {
      const jobs = await documentQueries.claimIngestJobs(args);
      for (const job of jobs) say(`claim ${job.documentId}`);
      return jobs;
    },
  };
  const runner = startIngestRunner({
    getDb: async () => db as Db,
    getEmbedder: async () => embedder,
    queries,
    chunking: { size: Number(values["chunk-size"]), overlap: 0 },
    leaseMs: Number(values["lease-ms"]),
    batch: { maxJobs: Number(values["batch-jobs"]), maxBytes: 512 * 1024 },
    sweepMs: 200,
    onJob: (r) => say(`job ${r.documentId} ${r.outcome}`),
    log: { info: () => {}, warn: (m) => process.stderr.write(`${m}\n`), error: (m) => process.stderr.write(`${m}\n`) },
  });
  for (;;) {
    await runner.whenIdle();
    say("idle");
    if (values["exit-when-idle"] && (await documentQueries.countPendingIngestJobs({ db })) === 0) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  await runner.stop();
  await close();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
