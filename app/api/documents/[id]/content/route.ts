import { getDb } from "@/db";
import { getDocumentContent } from "@/db/queries/documents";
import { AppError, errorResponse } from "@/lib/errors";
import { documentIdParams } from "../../schema";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** The parsed text of a document and its chunks' offsets, so a citation can be shown in place. */
export async function GET(_request: Request, context: { params: Promise<{ id: string }> }) {
  try {
    const parsed = documentIdParams.safeParse(await context.params);
    if (!parsed.success) throw new AppError("not_found:document", "Document not found.");
    const content = await getDocumentContent({ db: await getDb(), id: parsed.data.id });
    if (!content) throw new AppError("not_found:document", "Document not found.");
    return Response.json(content);
  } catch (error) {
    return errorResponse(error, "document");
  }
}
