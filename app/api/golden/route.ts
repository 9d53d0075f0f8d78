import { getDb } from "@/db";
import { listGoldenQueries } from "@/db/queries/labels";
import { guard } from "@/lib/auth/guard";
import { errorResponse } from "@/lib/errors";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** The caller's golden set: `{ queries: GoldenQuerySummary[] }` (judgement counts by grade), latest labelled first. */
export async function GET(request: Request) {
  try {
    const principal = await guard(request, { need: "read", surface: "labels" });
    return Response.json({ queries: await listGoldenQueries({ db: await getDb(), userId: principal.userId }) });
  } catch (error) {
    return errorResponse(error, "labels");
  }
}
