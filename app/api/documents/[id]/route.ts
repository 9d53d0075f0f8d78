import { getDb } from "@/db";
import { deleteDocumentById, getDocumentById } from "@/db/queries/documents";
import { AppError, errorResponse } from "@/lib/errors";
import { documentIdParams } from "../schema";

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

export async function GET(_request: Request, context: Context) {
  try {
    const id = await documentId(context);
    const doc = await getDocumentById({ db: await getDb(), id });
    if (!doc) throw notFound();
    return Response.json({
      id: doc.id,
      status: doc.status,
      ...(doc.error ? { error: doc.error } : {}),
      chunkCount: doc.chunkCount,
      progress: doc.progress,
      name: doc.name,
      type: doc.type,
      size: doc.size,
      createdAt: doc.createdAt,
      updatedAt: doc.updatedAt,
    });
  } catch (error) {
    return errorResponse(error, "document");
  }
}

export async function DELETE(_request: Request, context: Context) {
  try {
    const id = await documentId(context);
    const deleted = await deleteDocumentById({ db: await getDb(), id });
    if (!deleted) throw notFound();
    return new Response(null, { status: 204 });
  } catch (error) {
    return errorResponse(error, "document");
  }
}
