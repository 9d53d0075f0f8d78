import { z } from "zod";
import { getDb } from "@/db";
import { deleteWorkspace } from "@/db/queries/workspaces";
import { guard } from "@/lib/auth/guard";
import { requireAdmin } from "@/lib/auth/principal";
import { AppError, errorResponse } from "@/lib/errors";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Deletes a workspace; documents shared with it become private to their owners. */
export async function DELETE(request: Request, { params }: { params: Promise<{ id: string }> }) {
  try {
    requireAdmin(await guard(request, { need: "write", surface: "admin" }));
    const { id } = await params;
    const notFound = new AppError("not_found:admin", "No such workspace.");
    if (!z.uuid().safeParse(id).success || !(await deleteWorkspace({ db: await getDb(), id }))) throw notFound;
    return new Response(null, { status: 204 });
  } catch (error) {
    return errorResponse(error, "admin");
  }
}
