import { guard } from "@/lib/auth/guard";
import { AppError, errorResponse } from "@/lib/errors";
import { evaluateGoldenSet } from "@/lib/eval/golden";
import { searchDependencies } from "@/lib/retrieval/server";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * Re-runs the caller's golden queries now and stores nDCG@5 before and after rerank: 201 with the
 * evaluation `{ id, createdAt, queryCount, ndcg5Fused, ndcg5Reranked, perQuery }`; 409 when no query has
 * a relevant passage the caller can still read.
 */
export async function POST(request: Request) {
  try {
    const principal = await guard(request, { need: "write", surface: "eval", limit: "search" });
    const evaluation = await evaluateGoldenSet({ ...(await searchDependencies()), userId: principal.userId });
    if (!evaluation) {
      throw new AppError(
        "conflict:eval",
        "Nothing to evaluate yet: mark at least one candidate relevant or partly relevant in an inspect view.",
      );
    }
    return Response.json(evaluation, { status: 201 });
  } catch (error) {
    return errorResponse(error, "eval");
  }
}
