import { getDb } from "@/db";
import { deleteDocumentById, getDocumentById, setDocumentWorkspace } from "@/db/queries/documents";
import { guard } from "@/lib/auth/guard";
import { viewerOf } from "@/lib/auth/principal";
import { env } from "@/lib/env";
import { AppError, errorResponse } from "@/lib/errors";
import { readJsonBody } from "@/lib/http/read-json";
import { documentIdParams, shareBodySchema } from "../schema";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

type Context = { params: Promise<{ id: string }> };

function notFound() {
  return new AppError("not_found:document", "Document not found.");
}

async function documentId(context: Context): Promise<string> {
  const parsed = documentIdParams.safeParse(await context.params);
  if (!parsed.success) throw notFound();
  return parsed.data.id;
}

// Another user's document is answered exactly like a missing one (404), so ids reveal nothing.
// `chunking` is the chunk size and overlap (tokens) that ingestion and re-ingestion use now.
export async function GET(request: Request, context: Context) {
  try {
    const principal = await guard(request, { need: "read", surface: "document" });
    const id = await documentId(context);
    const doc = await getDocumentById({ db: await getDb(), id, viewer: viewerOf(principal) });
    if (!doc) throw notFound();
    return Response.json({
      id: doc.id,
      ownerId: doc.ownerId,
      workspaceId: doc.workspaceId,
      status: doc.status,
      ...(doc.error ? { error: doc.error } : {}),
      chunkCount: doc.chunkCount,
      progress: doc.progress,
      name: doc.name,
      type: doc.type,
      size: doc.size,
      createdAt: doc.createdAt,
      updatedAt: doc.updatedAt,
      chunking: { size: env.CHUNK_SIZE, overlap: env.CHUNK_OVERLAP },
    });
  } catch (error) {
    return errorResponse(error, "document");
  }
}

/** Only the owner deletes; its text goes from chunks, the rerank cache and every run that held it. */
export async function DELETE(request: Request, context: Context) {
  try {
    const principal = await guard(request, { need: "write", surface: "document" });
    const id = await documentId(context);
    const deleted = await deleteDocumentById({ db: await getDb(), id, ownerId: principal.userId });
    if (!deleted) throw notFound();
    return new Response(null, { status: 204 });
  } catch (error) {
    return errorResponse(error, "document");
  }
}

/**
 * `{ workspaceId: uuid | null }`: the owner shares the document (read-only) with one of their
 * workspaces, or makes it private again. 404 when it is not the caller's document or workspace.
 */
export async function PATCH(request: Request, context: Context) {
  try {
    const principal = await guard(request, { need: "write", surface: "document" });
    const id = await documentId(context);
    const body = shareBodySchema.safeParse(await readJsonBody(request, "document"));
    if (!body.success) throw new AppError("bad_request:document", "Send { workspaceId: <workspace id> | null }.");
    const db = await getDb();
    const shared = await setDocumentWorkspace({
      db,
      id,
      ownerId: principal.userId,
      workspaceId: body.data.workspaceId,
    });
    if (!shared)
      throw new AppError("not_found:document", "No such document of yours, or you are not in that workspace.");
    const doc = await getDocumentById({ db, id, viewer: viewerOf(principal) });
    return Response.json({ id, workspaceId: doc?.workspaceId ?? null });
  } catch (error) {
    return errorResponse(error, "document");
  }
}
