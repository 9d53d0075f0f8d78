import { getDb } from "@/db";
import { requeueDocument } from "@/db/queries/documents";
import { guard } from "@/lib/auth/guard";
import { AppError, errorResponse } from "@/lib/errors";
import { pokeIngestRunner, startIngestRunner } from "@/lib/ingest/runner";
import { getEmbedder } from "@/lib/models/server";
import { documentIdParams } from "../../schema";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

type Context = { params: Promise<{ id: string }> };

/**
 * The owner queues the document for ingestion again from its stored bytes: 202 `{ id, status: "queued" }`.
 * A ready document keeps answering searches with its current chunks until the new ones replace them in
 * one transaction. Already queued or running: the same answer, nothing added. Not the caller's: 404.
 */
export async function POST(request: Request, context: Context) {
  try {
    const principal = await guard(request, { need: "write", surface: "document" });
    const parsed = documentIdParams.safeParse(await context.params);
    if (!parsed.success) throw new AppError("not_found:document", "Document not found.");
    const { id } = parsed.data;
    const queued = await requeueDocument({ db: await getDb(), id, ownerId: principal.userId });
    if (!queued) throw new AppError("not_found:document", "Document not found.");
    if (!pokeIngestRunner()) startIngestRunner({ getDb, getEmbedder });
    return Response.json({ id, status: "queued" }, { status: 202 });
  } catch (error) {
    return errorResponse(error, "document");
  }
}
