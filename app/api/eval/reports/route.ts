import { guard } from "@/lib/auth/guard";
import { requireAdmin } from "@/lib/auth/principal";
import { env } from "@/lib/env";
import { errorResponse } from "@/lib/errors";
import { listEvalReports } from "@/lib/eval/reports";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** The reports `npm run eval` wrote (admin only): `{ reports: EvalReportSummary[] }`, newest first. */
export async function GET(request: Request) {
  try {
    const principal = await guard(request, { need: "read", surface: "eval" });
    requireAdmin(principal);
    return Response.json({ reports: await listEvalReports(env.EVAL_REPORTS_DIR) });
  } catch (error) {
    return errorResponse(error, "eval");
  }
}
