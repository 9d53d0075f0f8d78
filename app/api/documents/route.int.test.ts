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

const { makeDocx, makePdf } = await import("@/lib/ingest/testing/fixtures");
const { pageAt } = await import("@/lib/ingest/parse");

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
    // The chunking ingestion uses now (env defaults here), for the document view's metadata.
    expect(doc.chunking).toEqual({ size: 400, overlap: 50 });

    const list = await (await LIST(new Request("http://localhost/api/documents"))).json();
    expect(list.documents.map((d: { id: string }) => d.id)).toContain(id);
    // The upload limit, so the page refuses a too-large file before sending it (env default: 50 MB).
    expect(list.maxUploadBytes).toBe(50 * 1024 * 1024);

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
      error: { code: "unsupported:upload", message: expect.stringMatching(/not a PDF/) },
    });
    const exe = await POST(uploadRequest(new File(["MZ\x90\x00"], "setup.exe")));
    expect(await exe.json()).toEqual({
      error: { code: "unsupported:upload", message: expect.stringMatching(/Unsupported file type/) },
    });
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    const renamed = await POST(uploadRequest(new File([png], "photo.txt", { type: "text/plain" })));
    expect(renamed.status).toBe(415);
    expect((await renamed.json()).error.message).toMatch(/binary file \(a PNG image\)/);
    const empty = await POST(uploadRequest(new File([], "e.txt")));
    expect(empty.status).toBe(400);

    for (const id of ["not-a-uuid", "00000000-0000-4000-8000-000000000000"]) {
      const res = await GET(new Request("http://localhost"), ctx(id));
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: { code: "not_found:document", message: "Document not found." } });
      expect((await CONTENT(new Request("http://localhost"), ctx(id))).status).toBe(404);
    }
  });

  it("ingests a PDF with its pages and a DOCX", async () => {
    const words = (p: number) => Array.from({ length: 60 }, (_, i) => `tidal${p} bell${i}`).join(" ");
    const pdfBytes = makePdf([[`Kiritomo tide bell, page one.`, words(1)], [words(2)], [`Page three ends it.`]]);
    const pdfRes = await POST(uploadRequest(new File([pdfBytes], "bells.pdf", { type: "application/pdf" })));
    expect(pdfRes.status).toBe(202);
    const { id: pdfId } = await pdfRes.json();
    const pdfDoc = await waitForStatus(pdfId);
    expect(pdfDoc).toMatchObject({ status: "ready", type: "application/pdf", name: "bells.pdf" });
    expect(pdfDoc.chunkCount).toBeGreaterThan(0);
    const pdfContent = await (await CONTENT(new Request("http://localhost"), ctx(pdfId))).json();
    expect(pdfContent.text.split("\f")).toHaveLength(3);
    expect(pdfContent.text).toContain("Page three ends it.");
    for (const c of pdfContent.chunks) expect(c.page).toBe(pageAt(pdfContent.text, c.charStart));
    expect(pdfContent.chunks[0].page).toBe(1);

    const docxBytes = makeDocx(["Veltrane glasswing moths.", "They migrate at dusk."]);
    const docxRes = await POST(uploadRequest(new File([docxBytes], "moths.docx")));
    expect(docxRes.status).toBe(202);
    const { id: docxId } = await docxRes.json();
    const docxDoc = await waitForStatus(docxId);
    expect(docxDoc).toMatchObject({ status: "ready", chunkCount: 1, name: "moths.docx" });
    const docxContent = await (await CONTENT(new Request("http://localhost"), ctx(docxId))).json();
    expect(docxContent.text).toBe("Veltrane glasswing moths.\n\nThey migrate at dusk.");
  });

  it("fails a scanned PDF with a clear message and keeps serving", async () => {
    const res = await POST(uploadRequest(new File([makePdf([null])], "scan.pdf")));
    expect(res.status).toBe(202);
    const doc = await waitForStatus((await res.json()).id);
    expect(doc.status).toBe("failed");
    expect(doc.error).toMatch(/no text layer \(scanned document\)/);
  });

  it("recognises the same bytes uploaded twice and stores them once", async () => {
    const bytes = new TextEncoder().encode(`Duplicate detection ${Date.now()}.`);
    const first = await POST(uploadRequest(new File([bytes], "dup.txt")));
    expect(first.status).toBe(202);
    const firstBody = await first.json();
    expect(firstBody).toEqual({ id: expect.any(String) });
    const second = await POST(uploadRequest(new File([bytes], "same-bytes-other-name.md")));
    expect(second.status).toBe(200);
    expect(await second.json()).toEqual({ id: firstBody.id, duplicate: true });
    const list = await (await LIST(new Request("http://localhost/api/documents"))).json();
    const sha = list.documents.find((d: { id: string }) => d.id === firstBody.id).sha256;
    expect(list.documents.filter((d: { sha256: string }) => d.sha256 === sha)).toHaveLength(1);

    // Concurrent uploads of new bytes: one row.
    const fresh = new TextEncoder().encode(`Concurrent duplicate ${Date.now()}.`);
    const answers = await Promise.all([1, 2, 3].map(() => POST(uploadRequest(new File([fresh], "c.txt")))));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 200, 202]);
    const ids = new Set(await Promise.all(answers.map(async (r) => (await r.json()).id)));
    expect(ids.size).toBe(1);

    // A failed copy does not block uploading the bytes again.
    const bad = new Uint8Array([0x63, 0x61, 0x66, 0xe9]); // Latin-1, fails at parse
    const failedId = (await (await POST(uploadRequest(new File([bad], "bad.txt")))).json()).id;
    expect((await waitForStatus(failedId)).status).toBe("failed");
    const again = await POST(uploadRequest(new File([bad], "bad.txt")));
    expect(again.status).toBe(202);
    expect((await again.json()).id).not.toBe(failedId);
  });
});
