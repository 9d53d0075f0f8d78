import { guard } from "@/lib/auth/guard";
import { requireAdmin } from "@/lib/auth/principal";
import { env } from "@/lib/env";
import { AppError, errorResponse } from "@/lib/errors";
import { isValidReportName, readEvalReport } from "@/lib/eval/reports";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** One report (admin only): report.json plus `name` and `worstQueries`; 400 for a malformed name, 404 if none. */
export async function GET(request: Request, { params }: { params: Promise<{ name: string }> }) {
  try {
    const principal = await guard(request, { need: "read", surface: "eval" });
    requireAdmin(principal);
    const { name } = await params;
    if (!isValidReportName(name)) throw new AppError("bad_request:eval", "Not a report name.");
    const report = await readEvalReport(env.EVAL_REPORTS_DIR, name);
    if (!report) throw new AppError("not_found:eval", "No report with this name.");
    return Response.json(report);
  } catch (error) {
    return errorResponse(error, "eval");
  }
}
