import { z } from "zod";
import { getDb } from "@/db";
import { removeWorkspaceMember } from "@/db/queries/workspaces";
import { guard } from "@/lib/auth/guard";
import { requireAdmin } from "@/lib/auth/principal";
import { AppError, errorResponse } from "@/lib/errors";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Removes a member; what they had shared with the workspace becomes private again. */
export async function DELETE(request: Request, { params }: { params: Promise<{ id: string; userId: string }> }) {
  try {
    requireAdmin(await guard(request, { need: "write", surface: "admin" }));
    const { id, userId } = await params;
    const notFound = new AppError("not_found:admin", "No such member of that workspace.");
    if (!z.uuid().safeParse(id).success) throw notFound;
    if (!(await removeWorkspaceMember({ db: await getDb(), workspaceId: id, userId }))) throw notFound;
    return new Response(null, { status: 204 });
  } catch (error) {
    return errorResponse(error, "admin");
  }
}
