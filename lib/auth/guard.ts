import "server-only";
import type { ApiKeyScope } from "@/db/schema";
import type { ErrorSurface } from "@/lib/errors";
import { countRequest } from "@/lib/metrics/app";
import { enforceRateLimit, type LimitedRoute } from "@/lib/security/rate-limit";
import { beginApiRequest, identifyRequestUser } from "@/lib/telemetry/http-hooks";
import { authenticate, type Principal } from "./principal";

/**
 * Every API route's first line: the request's id and span become current (for logs, the worker call
 * and traces), then authenticate (401/403), then the route's rate limit (429) if it has one.
 */
export async function guard(
  request: Request,
  opts: { need: ApiKeyScope; surface: ErrorSurface; limit?: LimitedRoute },
): Promise<Principal> {
  // Before the first await, so the calling handler's own continuation runs in the request's context.
  const context = beginApiRequest(request, opts.surface);
  countRequest(opts.surface);
  const principal = await authenticate(request, opts);
  identifyRequestUser(context, principal.userId);
  if (opts.limit) await enforceRateLimit(request, principal, opts.limit);
  return principal;
}
