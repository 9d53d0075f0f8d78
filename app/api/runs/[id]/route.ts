import { z } from "zod";

import { getDb } from "@/db";
import { getRetrievalRunById } from "@/db/queries/runs";
import { AppError, errorResponse } from "@/lib/errors";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** The recorded run (parameters, every stage's ranking, timings, answer) for the inspect page. */
export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  try {
    const { id } = await params;
    const notFound = new AppError("not_found:run", "No run with this id.");
    if (!z.uuid().safeParse(id).success) throw notFound;
    const run = await getRetrievalRunById({ db: await getDb(), id });
    if (!run) throw notFound;
    return Response.json(run);
  } catch (error) {
    return errorResponse(error, "run");
  }
}
