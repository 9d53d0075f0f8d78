// Stand-ins the route-handler integration tests install with vi.mock (vi.mock factories cannot share
// closures, so they import these): a guard that reads the caller from test headers, and a reranker whose
// order the test switches. Everything else in those tests is real: the routes, the queries, the database.
import { AppError } from "@/lib/errors";
import type { Principal } from "@/lib/auth/principal";
import type { RerankRequest } from "@/lib/models/types";

/**
 * guard() for tests: the user from `x-test-user` (none: 401), a read-only key when `x-test-scope: read`
 * (a write route: 403); "admin-user" is an admin.
 */
export async function headerGuard(
  request: Request,
  opts: { need?: "read" | "write"; surface: string },
): Promise<Principal> {
  const userId = request.headers.get("x-test-user");
  if (!userId) throw new AppError(`unauthorized:${opts.surface}` as "unauthorized:api", "no user");
  const scope = request.headers.get("x-test-scope") === "read" ? "read" : "write";
  if (opts.need === "write" && scope === "read") {
    throw new AppError(`forbidden:${opts.surface}` as "forbidden:api", "read-only key");
  }
  return {
    userId,
    email: `${userId}@example.test`,
    name: userId,
    role: userId === "admin-user" ? "admin" : "user",
    via: scope === "read" ? "api-key" : "session",
    scope,
  };
}

export type TestRerankOrder = "identity" | "reverse";

/**
 * A rerank client that keeps the fused order ("identity") or turns it round ("reverse"), as `order()`
 * says at call time; the model version is the order, and candidate i reports i truncated tokens.
 */
export function orderedReranker(order: () => TestRerankOrder) {
  return {
    async rerank(request: RerankRequest) {
      const n = request.candidates.length;
      const mode = order();
      const results = request.candidates.map((c, i) => ({
        id: c.id,
        index: i,
        score: mode === "identity" ? n - i : i + 1,
        rawScore: 0,
        truncatedTokens: i,
      }));
      results.sort((a, b) => b.score - a.score);
      return {
        ok: true as const,
        wallMs: 1,
        response: { model: { id: "test-reranker", version: mode }, results, queueMs: 0, computeMs: 1 },
      };
    },
  };
}
