import { getDb } from "@/db";
import { createDocumentUnlessDuplicate, listDocuments } from "@/db/queries/documents";
import { viewerOf } from "@/lib/auth/principal";
import { guard } from "@/lib/auth/guard";
import { env } from "@/lib/env";
import { errorResponse } from "@/lib/errors";
import { pokeIngestRunner, startIngestRunner } from "@/lib/ingest/runner";
import { readUpload } from "@/lib/ingest/upload";
import { getEmbedder } from "@/lib/models/server";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * Upload one document (multipart field `file`). 202 `{ id }` once the raw bytes are stored; parsing
 * happens after. The same bytes again (sha256) while the first copy has not failed: 200
 * `{ id, duplicate: true }` with the first copy's id, nothing stored.
 */
export async function POST(request: Request) {
  try {
    const principal = await guard(request, { need: "write", surface: "upload", limit: "upload" });
    const upload = await readUpload(request, env.MAX_UPLOAD_BYTES);
    const db = await getDb();
    const { id, duplicate } = await createDocumentUnlessDuplicate({ db, ...upload, ownerId: principal.userId });
    if (duplicate) return Response.json({ id, duplicate: true }, { status: 200 });
    // instrumentation.ts normally started the runner; start it here if this process has none.
    if (!pokeIngestRunner()) startIngestRunner({ getDb, getEmbedder });
    return Response.json({ id }, { status: 202 });
  } catch (error) {
    return errorResponse(error, "upload");
  }
}

/**
 * The caller's documents and those shared with their workspaces, with `maxUploadBytes` so the page can
 * refuse a file that is too large before sending it.
 */
export async function GET(request: Request) {
  try {
    const principal = await guard(request, { need: "read", surface: "document" });
    const db = await getDb();
    return Response.json({
      documents: await listDocuments({ db, viewer: viewerOf(principal) }),
      maxUploadBytes: env.MAX_UPLOAD_BYTES,
    });
  } catch (error) {
    return errorResponse(error, "document");
  }
}
