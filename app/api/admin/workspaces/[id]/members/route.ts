import { z } from "zod";
import { getDb } from "@/db";
import { addWorkspaceMember } from "@/db/queries/workspaces";
import { guard } from "@/lib/auth/guard";
import { requireAdmin } from "@/lib/auth/principal";
import { AppError, errorResponse } from "@/lib/errors";
import { readJsonBody } from "@/lib/http/read-json";
import { memberSchema } from "../../../schema";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** `{ userId }` adds a member (204; 404 for an unknown workspace or user). */
export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  try {
    requireAdmin(await guard(request, { need: "write", surface: "admin" }));
    const { id } = await params;
    const body = memberSchema.safeParse(await readJsonBody(request, "admin"));
    if (!body.success) throw new AppError("bad_request:admin", "Send { userId }.");
    if (!z.uuid().safeParse(id).success) throw new AppError("not_found:admin", "No such workspace.");
    const added = await addWorkspaceMember({ db: await getDb(), workspaceId: id, userId: body.data.userId });
    if (!added) throw new AppError("not_found:admin", "No such workspace or user (or already a member).");
    return new Response(null, { status: 204 });
  } catch (error) {
    return errorResponse(error, "admin");
  }
}
