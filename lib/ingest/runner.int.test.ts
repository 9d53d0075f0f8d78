import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDb, type OpenedDb } from "@/db";
import { createDocumentWithJob, getDocumentById, getDocumentContent } from "@/db/queries/documents";
import { EMBEDDING_DIM } from "@/db/schema/chunks";
import type { Embedder } from "@/lib/models/types";
import { startIngestRunner, type IngestRunner } from "./runner";

// The runner with the real query functions on an in-memory PGlite; the embedder is a deterministic
// stand-in so this test does not depend on the model files.

const embedder: Embedder = {
  info: { id: "test-hash", version: "1" },
  dimension: EMBEDDING_DIM,
  async embed(texts) {
    return texts.map((t) => {
      const v = new Float32Array(EMBEDDING_DIM);
      for (let i = 0; i < t.length; i++) v[t.charCodeAt(i) % EMBEDDING_DIM] += 1;
      const norm = Math.hypot(...v) || 1;
      return v.map((x) => x / norm);
    });
  },
};

let opened: OpenedDb;
let runner: IngestRunner;

beforeAll(async () => {
  opened = await openDb({ memory: true });
  runner = startIngestRunner({
    getDb: async () => opened.db,
    getEmbedder: async () => embedder,
    chunking: { size: 100, overlap: 20 },
    sweepMs: 0,
  });
});

afterAll(async () => {
  await runner?.stop();
  await opened?.close();
});

async function upload(name: string, content: string | Uint8Array) {
  const raw = typeof content === "string" ? new TextEncoder().encode(content) : content;
  return createDocumentWithJob({ db: opened.db, name, type: "", size: raw.length, sha256: "x".repeat(64), raw });
}

describe("ingest runner on PGlite", () => {
  it("takes uploaded documents to ready with chunks whose offsets point into the stored text", async () => {
    const body = Array.from({ length: 60 }, (_, i) => `Paragraph ${i} explains ranking with BM25 and kernels.`).join(
      "\n\n",
    );
    const { id } = await upload("guide.md", `# Guide\n\n${body}`);
    runner.poke();
    await runner.whenIdle();

    const doc = await getDocumentById({ db: opened.db, id });
    expect(doc).toMatchObject({ status: "ready", error: null });
    expect(doc!.chunkCount).toBeGreaterThan(3);
    const content = await getDocumentContent({ db: opened.db, id });
    expect(content!.text.startsWith("Guide\n\nParagraph 0")).toBe(true);
    for (const c of content!.chunks) {
      expect(c.tokenCount).toBeLessThanOrEqual(100);
      expect(c.charEnd).toBeGreaterThan(c.charStart);
      expect(c.charEnd).toBeLessThanOrEqual(content!.text.length);
    }
    expect(content!.chunks.map((c) => c.position)).toEqual(content!.chunks.map((_, i) => i));
  });

  it("marks a document that cannot be parsed as failed with the reason", async () => {
    const { id } = await upload("broken.txt", new Uint8Array([0x61, 0xc3, 0x28]));
    runner.poke();
    await runner.whenIdle();
    const doc = await getDocumentById({ db: opened.db, id });
    expect(doc).toMatchObject({ status: "failed", chunkCount: 0 });
    expect(doc!.error).toMatch(/not valid UTF-8/);
  });
});
