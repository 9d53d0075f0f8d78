import "server-only";
import { getDb } from "@/db";
import { countRequest, RATE_WINDOW_MS } from "@/db/queries/rate-limit";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import type { Principal } from "@/lib/auth/principal";

export type LimitedRoute = "chat" | "search" | "upload";

/**
 * The client's address for per-IP limits: the last X-Forwarded-For hop (what the nearest proxy saw;
 * `next start` itself fills the header from the socket when it is absent). Behind no proxy a client can
 * choose its own X-Forwarded-For, so per-IP limits are only as good as the proxy in front; per-user
 * limits do not depend on it.
 */
export function clientIp(request: Request): string {
  const hops = (request.headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((h) => h.trim())
    .filter(Boolean);
  return hops.at(-1) ?? request.headers.get("x-real-ip") ?? "unknown";
}

function limitFor(route: LimitedRoute): number {
  return route === "chat" ? env.RATE_LIMIT_CHAT : route === "search" ? env.RATE_LIMIT_SEARCH : env.RATE_LIMIT_UPLOAD;
}

/**
 * Per-user (per route) and per-IP (all limited routes together) limits over a sliding one-minute window,
 * counted in the database so every instance shares them: 429 with Retry-After when either is exceeded.
 */
export async function enforceRateLimit(request: Request, principal: Principal, route: LimitedRoute, now = Date.now()) {
  const userLimit = limitFor(route);
  const ipLimit = env.RATE_LIMIT_IP;
  const keys: [string, number][] = [];
  if (userLimit > 0) keys.push([`user:${principal.userId}:${route}`, userLimit]);
  if (ipLimit > 0) keys.push([`ip:${clientIp(request)}`, ipLimit]);
  if (keys.length === 0) return;
  const counts = await countRequest({ db: await getDb(), keys: keys.map(([k]) => k), now });
  const into = (now % RATE_WINDOW_MS) / RATE_WINDOW_MS;
  for (const { key, count, previous } of counts) {
    const limit = keys.find(([k]) => k === key)![1];
    // Sliding-window estimate: the previous window weighted by how much of it is still inside the last minute.
    const estimate = count + previous * (1 - into);
    if (estimate > limit) {
      const retryAfter = Math.max(1, Math.ceil(((1 - into) * RATE_WINDOW_MS) / 1000));
      const who = key.startsWith("ip:") ? "from this address" : `for ${route}`;
      throw new AppError(
        "rate_limited:api",
        `Too many requests ${who}: at most ${limit} a minute. Try again in ${retryAfter} s.`,
        {
          headers: { "Retry-After": String(retryAfter) },
        },
      );
    }
  }
}
