import { getDb } from "@/db";
import { getLatestGoldenEvaluation, listGoldenEvaluations } from "@/db/queries/labels";
import { guard } from "@/lib/auth/guard";
import { errorResponse } from "@/lib/errors";
import { goldenAlert } from "@/lib/eval/golden-score";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * The caller's golden-set evaluations, newest first (`evaluations`, without per-query results), the
 * newest with its per-query results (`latest`), and `alert: { kind, message } | null` on the newest.
 */
export async function GET(request: Request) {
  try {
    const principal = await guard(request, { need: "read", surface: "eval" });
    const db = await getDb();
    const [evaluations, latest] = await Promise.all([
      listGoldenEvaluations({ db, userId: principal.userId }),
      getLatestGoldenEvaluation({ db, userId: principal.userId }),
    ]);
    return Response.json({
      evaluations,
      latest: latest?.evaluation ?? null,
      alert: goldenAlert(evaluations[0], evaluations[1]),
    });
  } catch (error) {
    return errorResponse(error, "eval");
  }
}
