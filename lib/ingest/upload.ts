import { createHash } from "node:crypto";
import { AppError, IngestError } from "@/lib/errors";
import { DOCUMENT_EXTENSION, DOCUMENT_MIME, resolveDocumentKind, extensionOf, sanitizeFileName } from "./file-type";
import { z } from "zod";

/** Bytes allowed for the multipart envelope (boundaries, part headers) on top of the file itself. */
export const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

export const uploadFields = z.object({ file: z.instanceof(File) });

export interface ValidUpload {
  name: string;
  type: string;
  size: number;
  sha256: string;
  raw: Uint8Array;
}

/** Reads and validates a one-file multipart upload. Throws AppError (400, 413, 415). */
export async function readUpload(request: Request, maxBytes: number): Promise<ValidUpload> {
  const contentType = request.headers.get("content-type") ?? "";
  if (!contentType.toLowerCase().startsWith("multipart/form-data")) {
    throw new AppError("bad_request:upload", "Send the document as multipart/form-data with the field `file`.");
  }
  const limit = maxBytes + MULTIPART_OVERHEAD_BYTES;
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(maxBytes);

  const body = await readBounded(request, limit, maxBytes);
  let form: FormData;
  try {
    form = await new Response(body, { headers: { "content-type": contentType } }).formData();
  } catch {
    throw new AppError("bad_request:upload", "The multipart body could not be read.");
  }
  if (form.getAll("file").length > 1) {
    throw new AppError("bad_request:upload", "Upload one file per request (field `file`).");
  }
  const parsed = uploadFields.safeParse({ file: form.get("file") ?? undefined });
  if (!parsed.success) {
    throw new AppError("bad_request:upload", "Attach the document as the multipart field `file`.");
  }
  const { file } = parsed.data;
  if (file.size > maxBytes) throw tooLarge(maxBytes);
  return prepareUpload({ name: file.name, type: file.type, raw: new Uint8Array(await file.arrayBuffer()), maxBytes });
}

/**
 * Validates one file's bytes as an upload (the route, and the CLI writing to the database directly):
 * a safe name, the type from the content, its sha256. Throws AppError (400, 413, 415).
 */
export function prepareUpload({
  name: givenName,
  type,
  raw,
  maxBytes,
}: {
  name: string;
  type: string;
  raw: Uint8Array;
  maxBytes: number;
}): ValidUpload {
  if (raw.byteLength > maxBytes) throw tooLarge(maxBytes);
  if (raw.byteLength === 0) throw new AppError("bad_request:upload", `"${sanitizeFileName(givenName)}" is empty.`);
  let name = sanitizeFileName(givenName);
  // The type comes from the bytes as well as the name: PDF and DOCX by their magic numbers, binary
  // content named as text refused here (415) rather than failing later in the ingest job.
  let kind;
  try {
    kind = resolveDocumentKind({ name, type, bytes: raw });
  } catch (error) {
    if (error instanceof IngestError) throw new AppError("unsupported:upload", error.message);
    throw error;
  }
  // A name without an extension gets the one its type implies, so the stored name says what it is.
  if (!extensionOf(name)) name += DOCUMENT_EXTENSION[kind];

  const sha256 = createHash("sha256").update(raw).digest("hex");
  return { name, type: DOCUMENT_MIME[kind], size: raw.length, sha256, raw };
}

function tooLarge(maxBytes: number) {
  return new AppError("too_large:upload", `The file is larger than the ${formatBytes(maxBytes)} upload limit.`);
}

function formatBytes(n: number) {
  if (n >= 1024 * 1024) return `${+(n / (1024 * 1024)).toFixed(1)} MB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KB`;
  return `${n} bytes`;
}

/** The request body, refusing (413) as soon as it passes `limit` bytes, whatever Content-Length said. */
async function readBounded(request: Request, limit: number, maxBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    parts.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}
