import "server-only";
import type { ApiKeyScope } from "@/db/schema";
import type { ErrorSurface } from "@/lib/errors";
import { countRequest } from "@/lib/metrics/app";
import { enforceRateLimit, type LimitedRoute } from "@/lib/security/rate-limit";
import { authenticate, type Principal } from "./principal";

/** Every API route's first line: authenticate (401/403), then the route's rate limit (429) if it has one. */
export async function guard(
  request: Request,
  opts: { need: ApiKeyScope; surface: ErrorSurface; limit?: LimitedRoute },
): Promise<Principal> {
  countRequest(opts.surface);
  const principal = await authenticate(request, opts);
  if (opts.limit) await enforceRateLimit(request, principal, opts.limit);
  return principal;
}
