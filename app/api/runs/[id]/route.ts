import { z } from "zod";

import { getDb } from "@/db";
import { getRetrievalRunById } from "@/db/queries/runs";
import { guard } from "@/lib/auth/guard";
import { AppError, errorResponse } from "@/lib/errors";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * The recorded run (parameters, every stage's ranking, timings, answer) for the inspect page; only its
 * owner may read it (anyone else gets the same 404 as for a missing run).
 */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  try {
    const principal = await guard(request, { need: "read", surface: "run" });
    const { id } = await params;
    const notFound = new AppError("not_found:run", "No run with this id.");
    if (!z.uuid().safeParse(id).success) throw notFound;
    const run = await getRetrievalRunById({ db: await getDb(), id, userId: principal.userId });
    if (!run) throw notFound;
    return Response.json(run);
  } catch (error) {
    return errorResponse(error, "run");
  }
}
