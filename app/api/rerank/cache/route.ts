import { guard } from "@/lib/auth/guard";
import { errorResponse } from "@/lib/errors";
import { rerankCacheStats } from "@/lib/rerank/cache";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** `{ hits, misses, errors, hitRate }`: this app process's rerank cache lookups since it started. */
export async function GET(request: Request) {
  try {
    await guard(request, { need: "read", surface: "rerank" });
    return Response.json(rerankCacheStats(), { headers: { "cache-control": "no-store" } });
  } catch (error) {
    return errorResponse(error, "rerank");
  }
}
