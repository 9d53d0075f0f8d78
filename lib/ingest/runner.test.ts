import { afterEach, describe, expect, it, vi } from "vitest";
import type { Db } from "@/db";
import type { Embedder } from "@/lib/models/types";
import { ingestDocument } from "./pipeline";
import {
  backoffMs,
  pokeIngestRunner,
  startIngestRunner,
  type IngestChunkRow,
  type IngestJob,
  type IngestQueries,
  type IngestRunner,
} from "./runner";

const fakeEmbedder = (calls: number[] = []): Embedder => ({
  info: { id: "fake", version: "1" },
  dimension: 3,
  async embed(texts) {
    calls.push(texts.length);
    return texts.map((t) => new Float32Array([t.length, 1, 0]));
  },
});

const enc = (s: string) => new TextEncoder().encode(s);
const longText = Array.from({ length: 3000 }, (_, i) => `w${i}`).join(" ");

describe("ingestDocument", () => {
  it("parses, chunks and embeds in batches of 32, reporting progress per stage", async () => {
    const calls: number[] = [];
    const progress: string[] = [];
    const { text, chunks } = await ingestDocument({
      name: "long.txt",
      type: "text/plain",
      bytes: enc(longText),
      chunking: { size: 100, overlap: 0 },
      embedder: fakeEmbedder(calls),
      onProgress: (p) => void progress.push(`${p.stage} ${p.done}/${p.total}`),
    });
    expect(text).toBe(longText);
    expect(chunks).toHaveLength(30);
    expect(calls).toEqual([30]);
    expect(chunks[0].embedding).toEqual(new Float32Array([chunks[0].text.length, 1, 0]));
    expect(progress).toEqual(["parse 0/1", "chunk 0/1", "embed 0/30", "embed 30/30"]);

    const many = await ingestDocument({
      name: "long.txt",
      type: "text/plain",
      bytes: enc(longText + " " + longText),
      chunking: { size: 100, overlap: 0 },
      embedder: fakeEmbedder(((calls.length = 0), calls)),
    });
    expect(many.chunks).toHaveLength(60);
    expect(calls).toEqual([32, 28]);
  });
});

function memoryQueries(jobs: IngestJob[]) {
  const state = {
    completed: new Map<string, { text: string; chunks: IngestChunkRow[] }>(),
    failed: new Map<string, string>(),
    progress: [] as string[],
  };
  const queries: IngestQueries = {
    claimNextIngestJob: async () => jobs.shift() ?? null,
    updateIngestProgress: async ({ documentId, stage, done, total }) => {
      state.progress.push(`${documentId} ${stage} ${done}/${total}`);
    },
    completeIngest: async ({ documentId, text, chunks }) => void state.completed.set(documentId, { text, chunks }),
    failIngest: async ({ documentId, error }) => void state.failed.set(documentId, error),
  };
  return { queries, state };
}

const job = (documentId: string, name: string, content: string | Uint8Array): IngestJob => ({
  documentId,
  name,
  type: "",
  raw: typeof content === "string" ? enc(content) : content,
});

const quietLog = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
let runner: IngestRunner | undefined;
afterEach(async () => {
  await runner?.stop();
  runner = undefined;
});

describe("startIngestRunner", () => {
  it("processes queued jobs one after another, recording failures with a clear message", async () => {
    const jobs = [
      job("d1", "a.md", "# Title\n\nSome text."),
      job("d2", "bad.txt", new Uint8Array([0x66, 0xff, 0x66])),
      job("d3", "c.csv", "a,b"),
    ];
    const { queries, state } = memoryQueries(jobs);
    const db = {} as Db;
    runner = startIngestRunner({
      getDb: async () => db,
      getEmbedder: async () => fakeEmbedder(),
      queries,
      chunking: { size: 100, overlap: 10 },
      sweepMs: 0,
      progressMs: 0,
      log: quietLog,
    });
    await runner.whenIdle();
    expect(state.completed.get("d1")?.text).toBe("Title\n\nSome text.");
    expect(state.completed.get("d1")?.chunks).toHaveLength(1);
    expect(state.failed.get("d2")).toMatch(/not valid UTF-8/);
    expect(state.failed.get("d3")).toMatch(/Unsupported file type/);
    expect(state.progress).toContain("d1 store 0/1");
  });

  it("wakes up when poked and is shared through globalThis", async () => {
    const jobs: IngestJob[] = [];
    const { queries, state } = memoryQueries(jobs);
    runner = startIngestRunner({
      getDb: async () => ({}) as Db,
      getEmbedder: async () => fakeEmbedder(),
      queries,
      sweepMs: 0,
      log: quietLog,
    });
    await runner.whenIdle();
    jobs.push(job("d4", "late.txt", "arrived later"));
    expect(pokeIngestRunner()).toBe(true);
    await runner.whenIdle();
    expect(state.completed.has("d4")).toBe(true);
  });

  it("fails the job when the embedder cannot load, and retries later when the database fails", async () => {
    const jobs = [job("d5", "x.txt", "text")];
    const { queries, state } = memoryQueries(jobs);
    let dbCalls = 0;
    runner = startIngestRunner({
      getDb: async () => {
        if (dbCalls++ === 0) throw new Error("database is starting");
        return {} as Db;
      },
      getEmbedder: async () => {
        throw new Error("models/starter/embedder.onnx not found");
      },
      queries,
      sweepMs: 0,
      retryMs: 10,
      log: quietLog,
    });
    await vi.waitFor(() => expect(state.failed.get("d5")).toMatch(/embedding model could not be loaded: .*not found/));
    expect(quietLog.error).toHaveBeenCalledWith(expect.stringMatching(/database is starting/));
  });

  it("retries a failed attempt with backoff and fails with the last error once attempts run out", async () => {
    const first: IngestJob[] = [
      { ...job("flaky", "flaky.txt", "flaky text"), lease: "l", attempt: 1 },
      { ...job("down", "down.txt", "down text"), lease: "l", attempt: 1 },
    ];
    const jobs = [...first];
    const { queries, state } = memoryQueries(jobs);
    const retries: { documentId: string; delayMs: number; error: string }[] = [];
    queries.retryIngest = async ({ documentId, delayMs, error }) => {
      retries.push({ documentId, delayMs, error });
      const attempt = retries.filter((r) => r.documentId === documentId).length + 1;
      const again = { ...first.find((j) => j.documentId === documentId)!, attempt };
      setTimeout(() => jobs.push(again), delayMs);
    };
    let flakyCalls = 0;
    const embedder: Embedder = {
      ...fakeEmbedder(),
      async embed(texts) {
        if (texts[0] === "flaky text" && flakyCalls++ === 0) throw new Error("connection reset");
        if (texts[0] === "down text") throw new Error("GPU gone");
        return texts.map(() => new Float32Array([1, 0, 0]));
      },
    };
    const reports: string[] = [];
    runner = startIngestRunner({
      getDb: async () => ({}) as Db,
      getEmbedder: async () => embedder,
      queries,
      sweepMs: 0,
      maxAttempts: 3,
      backoff: { baseMs: 5, maxMs: 1000 },
      onJob: (r) => reports.push(`${r.documentId} ${r.outcome}`),
      log: quietLog,
    });
    await vi.waitFor(() => {
      expect(state.failed.has("down")).toBe(true);
      expect(state.completed.size + state.failed.size).toBe(2);
    });
    // "down" fails 3 times: two retries with growing delays, then failed with its last error.
    const down = retries.filter((r) => r.documentId === "down");
    expect(down).toHaveLength(2);
    expect(down[0].error).toMatch(/while embedding: GPU gone/);
    expect(state.failed.get("down")).toMatch(/GPU gone \(after 3 attempts\)/);
    expect(reports.filter((r) => r === "down retry")).toHaveLength(2);
    expect(down[1].delayMs).toBeGreaterThan(down[0].delayMs);
    // "flaky" fails once and succeeds on its second attempt.
    expect(retries.filter((r) => r.documentId === "flaky")).toHaveLength(1);
    expect(state.completed.has("flaky")).toBe(true);
    expect(reports).toContain("flaky ready");
  });

  it("computes exponential backoff with jitter, capped", () => {
    const b = { baseMs: 1000, maxMs: 10_000 };
    expect(backoffMs(b, 1, () => 0.5)).toBe(1000);
    expect(backoffMs(b, 2, () => 0.5)).toBe(2000);
    expect(backoffMs(b, 3, () => 0.5)).toBe(4000);
    expect(backoffMs(b, 9, () => 0.5)).toBe(10_000);
    expect(backoffMs(b, 1, () => 0)).toBe(800);
    expect(backoffMs(b, 1, () => 1)).toBe(1200);
  });

  it("stops a job whose lease was lost without storing or failing it", async () => {
    const jobs: IngestJob[] = [
      { ...job("stolen", "s.txt", `${longText} ${longText} ${longText}`), lease: "mine", attempt: 1 },
    ];
    const { queries, state } = memoryQueries(jobs);
    queries.renewIngestLease = async () => false;
    const slow: Embedder = {
      ...fakeEmbedder(),
      async embed(texts) {
        await new Promise((r) => setTimeout(r, 100));
        return texts.map(() => new Float32Array([1, 0, 0]));
      },
    };
    const reports: string[] = [];
    runner = startIngestRunner({
      getDb: async () => ({}) as Db,
      getEmbedder: async () => slow,
      queries,
      chunking: { size: 100, overlap: 0 },
      sweepMs: 0,
      leaseMs: 100,
      onJob: (r) => reports.push(r.outcome),
      log: quietLog,
    });
    await runner.whenIdle();
    expect(reports).toEqual(["lost"]);
    expect(state.completed.size).toBe(0);
    expect(state.failed.size).toBe(0);
  });

  it("reports no runner after stop", async () => {
    const { queries } = memoryQueries([]);
    runner = startIngestRunner({
      getDb: async () => ({}) as Db,
      getEmbedder: async () => fakeEmbedder(),
      queries,
      sweepMs: 0,
      log: quietLog,
    });
    await runner.stop();
    runner = undefined;
    expect(pokeIngestRunner()).toBe(false);
  });
});
