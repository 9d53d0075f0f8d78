import { z } from "zod";
import { getDb } from "@/db";
import { revokeApiKey } from "@/db/queries/api-keys";
import { guard } from "@/lib/auth/guard";
import { requireInteractive } from "@/lib/auth/principal";
import { AppError, errorResponse } from "@/lib/errors";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Revokes one of the caller's keys at once (it keeps being listed, marked revoked). */
export async function DELETE(request: Request, { params }: { params: Promise<{ id: string }> }) {
  try {
    const principal = await guard(request, { need: "write", surface: "keys" });
    requireInteractive(principal);
    const { id } = await params;
    const notFound = new AppError("not_found:keys", "No such live API key of yours.");
    if (!z.uuid().safeParse(id).success) throw notFound;
    if (!(await revokeApiKey({ db: await getDb(), userId: principal.userId, id }))) throw notFound;
    return new Response(null, { status: 204 });
  } catch (error) {
    return errorResponse(error, "keys");
  }
}
