// npm run bench:ingest -- --out <file.json> [--mb 50] [--file-mb 1] [--databases pglite,postgres]
// Ingestion throughput on a ~50 MB mixed corpus (TXT, Markdown, HTML, PDF, DOCX; lib/ingest/testing/corpus.ts)
// through the real path: documents stored, then the ingest runner with the starter embedder until done.
// Once on a fresh PGlite directory, once on a fresh database on the PostgreSQL server of TEST_DATABASE_URL
// (else DATABASE_URL; created and dropped again). Reports chunks/s, MB/s and the time split between
// parse, chunk, embed and write (summed over documents).
import { mkdtempSync, rmSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { openDb, type OpenedDb } from "@/db";
import { createDocumentWithJob } from "@/db/queries/documents";
import { openFreshPostgres } from "@/db/testing";
import { env } from "@/lib/env";
import { progressBar } from "@/lib/eval/progress";
import { startIngestRunner } from "@/lib/ingest/runner";
import { makeMixedCorpus, type CorpusFile } from "@/lib/ingest/testing/corpus";
import { loadStarterEmbedder } from "@/lib/models/starter";
import type { Embedder } from "@/lib/models/types";
import { createHash } from "node:crypto";

type Database = "pglite" | "postgres";
type Result = {
  database: Database;
  chunksPerSec: number;
  mbPerSec: number;
  msParse: number;
  msChunk: number;
  msEmbed: number;
  msWrite: number;
  chunks: number;
  documents: number;
  failed: number;
  mb: number;
  seconds: number;
};

async function bench(database: Database, opened: OpenedDb, corpus: CorpusFile[], embedder: Embedder): Promise<Result> {
  const { db } = opened;
  for (const f of corpus) {
    await createDocumentWithJob({
      db,
      name: f.name,
      type: f.type,
      size: f.bytes.byteLength,
      sha256: createHash("sha256").update(f.bytes).digest("hex"),
      raw: f.bytes,
    });
  }
  const totals = { parse: 0, chunk: 0, embed: 0, write: 0, chunks: 0, bytes: 0, failed: 0, done: 0 };
  const bar = progressBar(`ingest (${database})`, corpus.length);
  let finish!: () => void;
  const allDone = new Promise<void>((r) => (finish = r));
  const started = performance.now();
  const runner = startIngestRunner({
    getDb: async () => db,
    getEmbedder: async () => embedder,
    chunking: { size: env.CHUNK_SIZE, overlap: env.CHUNK_OVERLAP },
    sweepMs: 0,
    onJob: (r) => {
      if (r.outcome === "ready") {
        totals.parse += r.timings.parseMs;
        totals.chunk += r.timings.chunkMs;
        totals.embed += r.timings.embedMs;
        totals.write += r.timings.writeMs;
        totals.chunks += r.chunks;
        totals.bytes += r.bytes;
      } else if (r.outcome === "failed") {
        totals.failed++;
        console.error(`\n${r.name}: ${r.error}`);
      }
      bar.tick();
      if (++totals.done === corpus.length) finish();
    },
    log: { info: () => {}, warn: () => {}, error: (m) => console.error(m) },
  });
  await allDone;
  const seconds = (performance.now() - started) / 1000;
  await runner.stop();
  bar.done();
  const mb = totals.bytes / (1024 * 1024);
  const round = (x: number, d = 1) => +x.toFixed(d);
  return {
    database,
    chunksPerSec: round(totals.chunks / seconds),
    mbPerSec: round(mb / seconds, 2),
    msParse: Math.round(totals.parse),
    msChunk: Math.round(totals.chunk),
    msEmbed: Math.round(totals.embed),
    msWrite: Math.round(totals.write),
    chunks: totals.chunks,
    documents: corpus.length,
    failed: totals.failed,
    mb: round(mb),
    seconds: round(seconds),
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      out: { type: "string" },
      mb: { type: "string", default: "50" },
      "file-mb": { type: "string", default: "1" },
      databases: { type: "string", default: "pglite,postgres" },
    },
  });
  if (!values.out) throw new Error("--out <file.json> is required");
  const wanted = values.databases!.split(",").map((s) => s.trim()) as Database[];
  const t = performance.now();
  const corpus = makeMixedCorpus({
    totalBytes: Number(values.mb) * 1024 * 1024,
    fileBytes: Number(values["file-mb"]) * 1024 * 1024,
  });
  const corpusBytes = corpus.reduce((n, f) => n + f.bytes.byteLength, 0);
  const byFormat: Record<string, number> = {};
  for (const f of corpus) {
    const ext = path.extname(f.name).slice(1);
    byFormat[ext] = +((byFormat[ext] ?? 0) + f.bytes.byteLength / (1024 * 1024)).toFixed(1);
  }
  console.error(
    `corpus: ${corpus.length} files, ${(corpusBytes / (1024 * 1024)).toFixed(1)} MB ${JSON.stringify(byFormat)} ` +
      `built in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
  const embedder = await loadStarterEmbedder(env.MODELS_DIR);

  const results: Result[] = [];
  const notes: string[] = [];
  if (wanted.includes("pglite")) {
    const dir = mkdtempSync(path.join(os.tmpdir(), "ranklens-bench-ingest-"));
    try {
      const opened = await openDb({ pgliteDir: path.join(dir, "pglite") });
      try {
        results.push(await bench("pglite", opened, corpus, embedder));
      } finally {
        await opened.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (wanted.includes("postgres")) {
    // The tests' PostgreSQL server when there is one; never the app's own database (a fresh one beside it).
    const server = process.env.TEST_DATABASE_URL || env.DATABASE_URL;
    if (!server) {
      const note = "PostgreSQL skipped: neither TEST_DATABASE_URL nor DATABASE_URL is set";
      notes.push(note);
      console.error(`\n*** ${note} (start one with: bash scripts/pg-test-server.sh start) ***\n`);
    } else {
      const opened = await openFreshPostgres(server);
      try {
        results.push(await bench("postgres", opened, corpus, embedder));
      } finally {
        await opened.close();
      }
    }
  }

  const report = {
    results,
    notes,
    corpus: { files: corpus.length, mb: +(corpusBytes / (1024 * 1024)).toFixed(1), mbByFormat: byFormat },
    chunking: { size: env.CHUNK_SIZE, overlap: env.CHUNK_OVERLAP },
    embedder: embedder.info,
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version },
    createdAt: new Date().toISOString(),
  };
  await mkdir(path.dirname(path.resolve(values.out)), { recursive: true });
  await writeFile(values.out, `${JSON.stringify(report, null, 2)}\n`);

  const cols = ["database", "chunks/s", "MB/s", "parse ms", "chunk ms", "embed ms", "write ms", "chunks", "s"];
  const rows = results.map((r) => [
    r.database,
    r.chunksPerSec,
    r.mbPerSec,
    r.msParse,
    r.msChunk,
    r.msEmbed,
    r.msWrite,
    r.chunks,
    r.seconds,
  ]);
  const widths = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells: (string | number)[]) => cells.map((c, i) => String(c).padStart(widths[i])).join("  ");
  console.log(line(cols));
  for (const r of rows) console.log(line(r));
  for (const n of notes) console.log(n);
  console.log(`written to ${values.out}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.stack : String(error));
    process.exit(1);
  },
);
