import { getDb } from "@/db";
import { getDocumentContent } from "@/db/queries/documents";
import { guard } from "@/lib/auth/guard";
import { viewerOf } from "@/lib/auth/principal";
import { AppError, errorResponse } from "@/lib/errors";
import { pageAt } from "@/lib/ingest/pdf";
import { documentIdParams } from "../../schema";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * The parsed text of a document and its chunks' offsets, so a citation can be shown in place. A PDF's
 * chunks also carry `page` (1-based; its pages are separated by "\f" in the text).
 */
export async function GET(request: Request, context: { params: Promise<{ id: string }> }) {
  try {
    const principal = await guard(request, { need: "read", surface: "document" });
    const parsed = documentIdParams.safeParse(await context.params);
    if (!parsed.success) throw new AppError("not_found:document", "Document not found.");
    const content = await getDocumentContent({
      db: await getDb(),
      id: parsed.data.id,
      viewer: viewerOf(principal),
    });
    if (!content) throw new AppError("not_found:document", "Document not found.");
    if (content.type === "application/pdf") {
      return Response.json({
        ...content,
        chunks: content.chunks.map((c) => ({ ...c, page: pageAt(content.text, c.charStart) })),
      });
    }
    return Response.json(content);
  } catch (error) {
    return errorResponse(error, "document");
  }
}
