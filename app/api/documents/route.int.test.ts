import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { OpenedDb } from "@/db";

// The documents API route handlers called directly, on an in-memory PGlite with the real starter
// embedder (models/ built by `npm run models:build`).

vi.mock("server-only", () => ({}));
const holder = vi.hoisted(() => ({ opened: undefined as OpenedDb | undefined }));
vi.mock("@/db", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@/db")>();
  return { ...actual, getDb: async () => holder.opened!.db };
});

const { openDb } = await import("@/db");
const { POST, GET: LIST } = await import("./route");
const { GET, DELETE } = await import("./[id]/route");
const { GET: CONTENT } = await import("./[id]/content/route");
const { startIngestRunner } = await import("@/lib/ingest/runner");
const { getEmbedder } = await import("@/lib/models/server");

const ctx = (id: string) => ({ params: Promise.resolve({ id }) });

function uploadRequest(file: File) {
  const form = new FormData();
  form.append("file", file);
  return new Request("http://localhost/api/documents", { method: "POST", body: form });
}

let runner: ReturnType<typeof startIngestRunner>;
beforeAll(async () => {
  holder.opened = await openDb({ memory: true });
  runner = startIngestRunner({ getDb: async () => holder.opened!.db, getEmbedder, sweepMs: 0 });
});
afterAll(async () => {
  await runner?.stop();
  await holder.opened?.close();
});

async function waitForStatus(id: string) {
  for (let i = 0; i < 200; i++) {
    const body = await (await GET(new Request("http://localhost"), ctx(id))).json();
    if (body.status === "ready" || body.status === "failed") return body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("document never finished ingesting");
}

describe("/api/documents", () => {
  it("uploads, ingests, lists, shows content and deletes a document", async () => {
    const html =
      "<html><head><title>x</title></head><body><h1>Kernels</h1><p>Kernel pooling &amp; ranking.</p></body></html>";
    const res = await POST(uploadRequest(new File([html], "../secret/page.html", { type: "text/html" })));
    expect(res.status).toBe(202);
    const { id } = await res.json();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    const doc = await waitForStatus(id);
    expect(doc).toMatchObject({
      id,
      status: "ready",
      chunkCount: 1,
      name: "page.html",
      type: "text/html",
      size: html.length,
    });
    expect(doc.error).toBeUndefined();
    expect(doc.progress).toEqual({ stage: expect.any(String), done: 1, total: 1 });

    const list = await (await LIST()).json();
    expect(list.documents.map((d: { id: string }) => d.id)).toContain(id);

    const content = await (await CONTENT(new Request("http://localhost"), ctx(id))).json();
    expect(content.text).toBe("Kernels\n\nKernel pooling & ranking.");
    expect(content.chunks).toHaveLength(1);

    expect((await DELETE(new Request("http://localhost"), ctx(id))).status).toBe(204);
    expect((await DELETE(new Request("http://localhost"), ctx(id))).status).toBe(404);
    expect((await GET(new Request("http://localhost"), ctx(id))).status).toBe(404);
  });

  it("shows a parse failure as status failed with the error", async () => {
    const res = await POST(uploadRequest(new File([new Uint8Array([0xff, 0xfe, 0x41])], "bad.txt")));
    expect(res.status).toBe(202);
    const doc = await waitForStatus((await res.json()).id);
    expect(doc.status).toBe("failed");
    expect(doc.error).toMatch(/not valid UTF-8/);
  });

  it("rejects bad uploads and unknown or malformed ids with typed errors", async () => {
    const pdf = await POST(uploadRequest(new File(["%PDF"], "a.pdf", { type: "application/pdf" })));
    expect(pdf.status).toBe(415);
    expect(await pdf.json()).toEqual({
      error: { code: "unsupported:upload", message: expect.stringMatching(/Unsupported file type/) },
    });
    const empty = await POST(uploadRequest(new File([], "e.txt")));
    expect(empty.status).toBe(400);

    for (const id of ["not-a-uuid", "00000000-0000-4000-8000-000000000000"]) {
      const res = await GET(new Request("http://localhost"), ctx(id));
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: { code: "not_found:document", message: "Document not found." } });
      expect((await CONTENT(new Request("http://localhost"), ctx(id))).status).toBe(404);
    }
  });
});
