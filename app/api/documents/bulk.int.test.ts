import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { sql } from "drizzle-orm";
import type { OpenedDb } from "@/db";

// 10 000 small files in a row through the upload route handler (local mode, rate limits off) while the
// ingest runner works through them in the same process, on an in-memory PGlite with the real starter
// embedder: every document ends up ready and searchable, and the handler keeps answering quickly.

vi.mock("server-only", () => ({}));
const holder = vi.hoisted(() => ({ opened: undefined as OpenedDb | undefined }));
vi.mock("@/db", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@/db")>();
  return { ...actual, getDb: async () => holder.opened!.db };
});

const { openDb } = await import("@/db");
const { POST } = await import("./route");
const { GET } = await import("./[id]/route");
const { env } = await import("@/lib/env");
const { startIngestRunner } = await import("@/lib/ingest/runner");
const { getEmbedder } = await import("@/lib/models/server");
const { searchBm25, getChunksByIds } = await import("@/db/queries/retrieval");
const { queryRows } = await import("@/db/queries/sql");

const FILES = Number(process.env.BULK_UPLOAD_FILES ?? 10_000); // the tests' own knob, for profiling
const word = (i: number) => `zorbix${i.toString(36)}q`;

function uploadRequest(i: number) {
  const form = new FormData();
  const text = `Note ${i}. The harbour log mentions ${word(i)} beside the lighthouse, the ropes and the tide.`;
  form.append("file", new File([text], `note-${i}.txt`, { type: "text/plain" }));
  return new Request("http://localhost/api/documents", { method: "POST", body: form });
}

const saved = { upload: env.RATE_LIMIT_UPLOAD, ip: env.RATE_LIMIT_IP };
let runner: ReturnType<typeof startIngestRunner>;
beforeAll(async () => {
  env.RATE_LIMIT_UPLOAD = 0;
  env.RATE_LIMIT_IP = 0;
  holder.opened = await openDb({ memory: true });
  runner = startIngestRunner({
    getDb: async () => holder.opened!.db,
    getEmbedder,
    sweepMs: 0,
    log: { info: () => {}, warn: console.warn, error: console.error },
  });
});
afterAll(async () => {
  env.RATE_LIMIT_UPLOAD = saved.upload;
  env.RATE_LIMIT_IP = saved.ip;
  await runner?.stop();
  await holder.opened?.close();
});

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

describe(`${FILES} small files in a row`, () => {
  it(
    "are all stored, ingested and searchable while the upload handler stays responsive",
    { timeout: 600_000 },
    async () => {
      const started = performance.now();
      const ids: string[] = [];
      const uploadMs: number[] = [];
      const statusMs: number[] = [];
      for (let i = 0; i < FILES; i++) {
        const t = performance.now();
        const res = await POST(uploadRequest(i));
        uploadMs.push(performance.now() - t);
        expect(res.status).toBe(202);
        ids.push((await res.json()).id);
        // Reading a document's status now and then, while the runner works.
        if (i % 100 === 99) {
          const s = performance.now();
          const got = await GET(new Request("http://localhost"), { params: Promise.resolve({ id: ids[i - 50] }) });
          statusMs.push(performance.now() - s);
          expect(got.status).toBe(200);
        }
      }
      const uploadedAt = performance.now();
      await runner.whenIdle();
      const doneAt = performance.now();

      const db = holder.opened!.db;
      const [counts] = await queryRows<{ ready: unknown; chunks: unknown; jobs: unknown }>(
        db,
        sql`SELECT (SELECT count(*) FROM documents WHERE status = 'ready') AS ready,
                 (SELECT count(*) FROM chunks) AS chunks,
                 (SELECT count(*) FROM ingest_jobs) AS jobs`,
      );
      expect({ ready: Number(counts.ready), chunks: Number(counts.chunks), jobs: Number(counts.jobs) }).toEqual({
        ready: FILES,
        chunks: FILES,
        jobs: 0,
      });
      // Searchable: each sampled document's own word finds its chunk first.
      for (let s = 0; s < 50; s++) {
        const i = Math.floor((s * FILES) / 50) + (s % 7);
        const [top] = await searchBm25({ db, query: word(i), k: 5 });
        const [chunk] = await getChunksByIds({ db, ids: [top.chunkId] });
        expect(chunk.documentId).toBe(ids[i]);
      }
      const report = {
        files: FILES,
        uploadSeconds: +((uploadedAt - started) / 1000).toFixed(1),
        totalSeconds: +((doneAt - started) / 1000).toFixed(1),
        uploadP50Ms: +pct(uploadMs, 50).toFixed(1),
        uploadP99Ms: +pct(uploadMs, 99).toFixed(1),
        uploadMaxMs: +Math.max(...uploadMs).toFixed(1),
        statusP99Ms: +pct(statusMs, 99).toFixed(1),
      };
      console.info(`[bulk upload] ${JSON.stringify(report)}`);
      // Responsive: the handler's 99th percentile stays well under a second with the runner busy.
      expect(report.uploadP99Ms).toBeLessThan(1000);
      expect(report.statusP99Ms).toBeLessThan(1000);
    },
  );
});
