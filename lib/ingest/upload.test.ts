import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { DOCX_MIME } from "./file-type";
import { makeDocx, makePdf } from "./testing/fixtures";
import { readUpload } from "./upload";

function request(form: FormData | string, headers: Record<string, string> = {}) {
  return new Request("http://localhost/api/documents", { method: "POST", body: form, headers });
}

function formWith(...files: File[]) {
  const form = new FormData();
  for (const f of files) form.append("file", f);
  return form;
}

async function rejects(req: Request, max = 1024): Promise<AppError> {
  try {
    await readUpload(req, max);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error("expected readUpload to reject");
}

describe("readUpload", () => {
  it("accepts one supported file and returns its name, type, size and sha256", async () => {
    const upload = await readUpload(request(formWith(new File(["hello"], "dir/Notes.MD", { type: "" }))), 1024);
    expect(upload).toMatchObject({ name: "Notes.MD", type: "text/markdown", size: 5 });
    expect(upload.sha256).toBe("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    expect(new TextDecoder().decode(upload.raw)).toBe("hello");
  });

  it("names an extension-less upload after its type", async () => {
    const upload = await readUpload(request(formWith(new File(["<p>x</p>"], "page", { type: "text/html" }))), 1024);
    expect(upload).toMatchObject({ name: "page.html", type: "text/html" });
  });

  it("rejects a missing field, several files, an empty file, and non-multipart bodies", async () => {
    const noFile = new FormData();
    noFile.append("other", "x");
    expect((await rejects(request(noFile))).message).toMatch(/field `file`/);
    const text = new FormData();
    text.append("file", "just a string");
    expect((await rejects(request(text))).status).toBe(400);
    const two = formWith(new File(["a"], "a.txt"), new File(["b"], "b.txt"));
    expect((await rejects(request(two))).message).toMatch(/one file per request/);
    const empty = await rejects(request(formWith(new File([], "e.txt"))));
    expect([empty.status, empty.message]).toEqual([400, '"e.txt" is empty.']);
    const json = await rejects(request("{}", { "content-type": "application/json" }));
    expect(json.code).toBe("bad_request:upload");
  });

  it("rejects unsupported types with 415", async () => {
    const err = await rejects(request(formWith(new File(["%PDF"], "paper.pdf", { type: "application/pdf" }))));
    expect([err.status, err.code]).toEqual([415, "unsupported:upload"]);
    expect(err.message).toMatch(/not a PDF/);
    const exe = await rejects(request(formWith(new File(["MZ\x90\x00"], "setup.exe"))));
    expect([exe.status, exe.message]).toEqual([415, expect.stringMatching(/Unsupported file type/)]);
  });

  it("detects the type from the content: a binary renamed .txt is refused, a PDF named .txt is a PDF", async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    const bin = await rejects(request(formWith(new File([png], "photo.txt", { type: "text/plain" }))));
    expect([bin.status, bin.code, bin.message]).toEqual([
      415,
      "unsupported:upload",
      expect.stringMatching(/binary file \(a PNG image\), not text/),
    ]);
    const nul = await rejects(request(formWith(new File(["abc\u0000def"], "data.txt"))));
    expect(nul.message).toMatch(/binary file \(it contains NUL bytes\)/);

    const pdf = makePdf([["Hello"]]);
    const asTxt = await readUpload(request(formWith(new File([pdf], "report.txt", { type: "text/plain" }))), 1 << 20);
    expect(asTxt).toMatchObject({ name: "report.txt", type: "application/pdf", size: pdf.length });
    const noExt = await readUpload(request(formWith(new File([makeDocx(["Hi"])], "letter"))), 1 << 20);
    expect(noExt).toMatchObject({ name: "letter.docx", type: DOCX_MIME });
  });

  it("rejects files over the limit with 413, by Content-Length first and by size", async () => {
    const big = formWith(new File(["x".repeat(2000)], "big.txt"));
    const err = await rejects(request(big), 1024);
    expect([err.status, err.code]).toEqual([413, "too_large:upload"]);
    expect(err.message).toMatch(/1 KB upload limit/);

    const declared = new Request("http://localhost/api/documents", {
      method: "POST",
      body: "x",
      headers: { "content-type": "multipart/form-data; boundary=x", "content-length": String(10 * 1024 * 1024) },
    });
    expect((await rejects(declared, 1024)).status).toBe(413);
  });

  it("turns into a JSON error response without a stack", async () => {
    const err = await rejects(request(formWith(new File([], "e.txt"))));
    const res = err.toResponse();
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { code: "bad_request:upload", message: '"e.txt" is empty.' } });
  });
});
