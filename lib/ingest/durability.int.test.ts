import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { openDb, type Db, type OpenedDb } from "@/db";
import { createDocumentWithJob, getDocumentById } from "@/db/queries/documents";
import { queryRows } from "@/db/queries/sql";
import { openFreshPostgres } from "@/db/testing";
import { chunkText } from "./chunker";
import { hashEmbedding } from "./testing/hash-embedder";

// kill -9 during embedding, on PGlite and on PostgreSQL: a real child process (testing/ingest-child.ts)
// runs the ingest runner with a slow embedder and is SIGKILLed mid-document; a new process finishes the
// job with exactly the chunks a clean run gives (no duplicates, no orphan postings), and every upload it
// acknowledged before dying is still there. On PostgreSQL, two processes also share one queue.

const CHILD = path.join(import.meta.dirname, "testing", "ingest-child.ts");
const CHUNK_SIZE = 100;
const pgUrl = process.env.TEST_DATABASE_URL; // the tests' own switch

type Child = {
  lines: string[];
  waitFor(pred: (lines: string[]) => boolean): Promise<void>;
  kill(): void;
  exit: Promise<number | null>;
};

function runChild(args: string[]): Child {
  // node --import tsx (not the tsx CLI, which runs node as a grandchild): SIGKILL must hit the process itself.
  const proc = spawn(process.execPath, ["--import", "tsx", CHILD, ...args], {
    cwd: path.resolve(import.meta.dirname, "../.."),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  let stderr = "";
  const waiters: (() => void)[] = [];
  let buffer = "";
  proc.stdout.on("data", (d: Buffer) => {
    buffer += d.toString();
    const parts = buffer.split("\n");
    buffer = parts.pop()!;
    lines.push(...parts);
    waiters.forEach((w) => w());
  });
  proc.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<number | null>((resolve) =>
    proc.on("exit", (code) => {
      waiters.forEach((w) => w());
      if (code !== 0 && code !== null) console.error(`ingest child failed (${code}):\n${stderr}`);
      resolve(code);
    }),
  );
  let exited = false;
  void exit.then(() => (exited = true));
  return {
    lines,
    exit,
    kill: () => proc.kill("SIGKILL"),
    waitFor: (pred) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (pred(lines)) resolve();
          else if (exited)
            reject(new Error(`child exited before the expected output:\n${lines.join("\n")}\n${stderr}`));
        };
        waiters.push(check);
        check();
      }),
  };
}

const idsOf = (lines: string[], verb: string) =>
  lines.filter((l) => l.startsWith(`${verb} `)).map((l) => l.split(" ")[1]);

function writeCorpus(dir: string) {
  const big = Array.from({ length: 6000 }, (_, i) => `Line ${i} of the long report on tidal bells and item${i}.`).join(
    "\n",
  );
  const files: Record<string, string> = { "big.txt": big };
  for (let i = 0; i < 3; i++) files[`small-${i}.txt`] = `Small note ${i} about harbour lights and ropes ${i}.`;
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return { files, paths: Object.keys(files).map((n) => path.join(dir, n)) };
}

/** The document holds exactly the chunks a clean run gives, once each, and postings only for them. */
async function expectExactChunks(db: Db, id: string, text: string) {
  const expected = chunkText(text, { size: CHUNK_SIZE, overlap: 0 });
  const rows = await queryRows<{ position: number; text: string; embedding: string }>(
    db,
    sql`SELECT c.position, c.text, e.embedding::text AS embedding
        FROM chunks c JOIN chunk_embeddings e ON e.chunk_id = c.id
        WHERE c.document_id = ${id} ORDER BY c.position, c.id`,
  );
  expect(rows.map((r) => r.position)).toEqual(expected.map((c) => c.position));
  expect(rows.map((r) => r.text)).toEqual(expected.map((c) => c.text));
  const first = JSON.parse(rows[0].embedding) as number[];
  expect(first[0]).toBeCloseTo(hashEmbedding(expected[0].text)[0], 5);
  const [postings] = await queryRows<{ stored: unknown; expected: unknown }>(
    db,
    sql`SELECT (SELECT count(*) FROM chunk_terms ct JOIN chunks c ON c.id = ct.chunk_id WHERE c.document_id = ${id}) AS stored,
               (SELECT count(*) FROM chunks c, unnest(c.lexical) WHERE c.document_id = ${id}) AS expected`,
  );
  expect(Number(postings.stored)).toBe(Number(postings.expected));
}

async function expectNoOrphans(db: Db) {
  const [row] = await queryRows<{ chunks: unknown; terms: unknown }>(
    db,
    sql`SELECT (SELECT count(*) FROM chunks c LEFT JOIN documents d ON d.id = c.document_id
                WHERE d.id IS NULL OR d.status <> 'ready') AS chunks,
               (SELECT count(*) FROM chunk_terms ct LEFT JOIN chunks c ON c.id = ct.chunk_id WHERE c.id IS NULL) AS terms`,
  );
  expect({ chunks: Number(row.chunks), terms: Number(row.terms) }).toEqual({ chunks: 0, terms: 0 });
}

async function killMidEmbedding(args: string[], uploads: string[]) {
  const child = runChild([...args, ...uploads.flatMap((p) => ["--upload", p]), "--embed-delay-ms", "60"]);
  await child.waitFor((l) => l.filter((x) => x.startsWith("embed ")).length >= 3);
  child.kill();
  expect(await child.exit).toBeNull(); // killed by the signal
  const acked = idsOf(child.lines, "ack");
  expect(acked).toHaveLength(uploads.length);
  expect(idsOf(child.lines, "job")).toEqual([]); // the big document was still embedding
  return acked;
}

describe("kill -9 during embedding on PGlite", () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), "ranklens-kill-"));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  // Three opens of a PGlite directory (the first creates it) take most of the time.
  it(
    "keeps acknowledged uploads and finishes the job in a new process with exactly the right chunks",
    { timeout: 300_000 },
    async () => {
      const dir = path.join(tmp, "pglite");
      const { files, paths } = writeCorpus(tmp);
      const acked = await killMidEmbedding(["--pglite", dir], paths);

      // The killed process left its lock behind: opening takes it over and requeues the interrupted job.
      let opened: OpenedDb = await openDb({ pgliteDir: dir });
      for (const id of acked) expect(await getDocumentById({ db: opened.db, id })).toMatchObject({ status: "queued" });
      const [{ n }] = await queryRows<{ n: unknown }>(opened.db, sql`SELECT count(*) AS n FROM chunks`);
      expect(Number(n)).toBe(0); // never half-ingested
      await opened.close();

      const second = runChild(["--pglite", dir, "--exit-when-idle", "--embed-delay-ms", "0"]);
      expect(await second.exit).toBe(0);
      expect(new Set(idsOf(second.lines, "claim"))).toEqual(new Set(acked));

      opened = await openDb({ pgliteDir: dir });
      try {
        const names = Object.keys(files);
        for (const [i, id] of acked.entries()) {
          expect(await getDocumentById({ db: opened.db, id })).toMatchObject({ status: "ready", name: names[i] });
          await expectExactChunks(opened.db, id, files[names[i]]);
        }
        await expectNoOrphans(opened.db);
      } finally {
        await opened.close();
      }
    },
  );
});

describe.runIf(pgUrl)("kill -9 during embedding on PostgreSQL", () => {
  let tmp: string;
  let pg: OpenedDb & { url: string };
  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), "ranklens-kill-pg-"));
    pg = await openFreshPostgres(pgUrl!);
  });
  afterAll(async () => {
    await pg?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("resumes the killed job once its lease expires, with exactly the right chunks", { timeout: 300_000 }, async () => {
    const { files, paths } = writeCorpus(tmp);
    const lease = ["--lease-ms", "1500"];
    const acked = await killMidEmbedding(["--url", pg.url, ...lease], paths);
    for (const id of acked) expect(await getDocumentById({ db: pg.db, id })).not.toBeNull();
    expect((await getDocumentById({ db: pg.db, id: acked[0] }))!.status).toBe("processing");
    const [{ n }] = await queryRows<{ n: unknown }>(pg.db, sql`SELECT count(*) AS n FROM chunks`);
    expect(Number(n)).toBe(0);

    const second = runChild(["--url", pg.url, ...lease, "--exit-when-idle", "--embed-delay-ms", "0"]);
    expect(await second.exit).toBe(0);
    expect(idsOf(second.lines, "claim")).toContain(acked[0]);
    const names = Object.keys(files);
    for (const [i, id] of acked.entries()) {
      expect(await getDocumentById({ db: pg.db, id })).toMatchObject({ status: "ready" });
      await expectExactChunks(pg.db, id, files[names[i]]);
    }
    await expectNoOrphans(pg.db);
  });

  it("lets two processes share one queue with no document done twice", { timeout: 300_000 }, async () => {
    const texts = new Map<string, string>();
    for (let d = 0; d < 24; d++) {
      const text = Array.from({ length: 300 }, (_, i) => `Doc ${d} sentence ${i} on shared queues.`).join(" ");
      const raw = new TextEncoder().encode(text);
      const { id } = await createDocumentWithJob({
        db: pg.db,
        name: `q${d}.txt`,
        type: "text/plain",
        size: raw.length,
        sha256: `q${d}`,
        raw,
      });
      texts.set(id, text);
    }
    const workers = [0, 1].map(() =>
      runChild([
        ...["--url", pg.url, "--exit-when-idle", "--embed-delay-ms", "15", "--lease-ms", "30000"],
        ...["--batch-jobs", "2"], // small claims, so that both processes get some
      ]),
    );
    expect(await Promise.all(workers.map((w) => w.exit))).toEqual([0, 0]);
    const claims = workers.map((w) => idsOf(w.lines, "claim"));
    const all = claims.flat();
    expect(all).toHaveLength(texts.size); // each claimed exactly once over both processes
    expect(new Set(all)).toEqual(new Set(texts.keys()));
    for (const c of claims) expect(c.length).toBeGreaterThan(0); // both took part
    const ready = workers.flatMap((w) => w.lines.filter((l) => l.endsWith(" ready")));
    expect(ready).toHaveLength(texts.size);
    for (const [id, text] of texts) await expectExactChunks(pg.db, id, text);
    await expectNoOrphans(pg.db);
  });
});

if (!pgUrl) {
  describe("kill -9 on PostgreSQL", () => {
    it("needs TEST_DATABASE_URL", () => expect(pgUrl).toBeDefined());
  });
}
