import { createHash, timingSafeEqual } from "node:crypto";
import { isLoopbackHost } from "@/lib/net/loopback";

// Who may call the worker. On a loopback address only this machine can reach it; anywhere else it needs
// the shared WORKER_TOKEN, which the app sends as `Authorization: Bearer <token>`.

/** Routes a load balancer or orchestrator probes without credentials. */
export const PUBLIC_ROUTES: ReadonlySet<string> = new Set(["GET /health/live", "GET /health/ready"]);

export { isLoopbackHost };

/** Why the worker must not start on this host with this token, or null when it may. */
export function exposureError(host: string, token: string | undefined): string | null {
  if (token || isLoopbackHost(host)) return null;
  return `WORKER_HOST=${host} is not a loopback address: set WORKER_TOKEN (the app sends it as Authorization: Bearer)`;
}

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();

/**
 * Whether an Authorization header carries `Bearer <token>`. Compared in constant time over SHA-256
 * digests, so neither the token's content nor its length leaks through timing.
 */
export function checkBearer(header: string | string[] | undefined, token: string): boolean {
  if (typeof header !== "string") return false;
  const match = /^Bearer[ \t]+(\S(?:.*\S)?)[ \t]*$/i.exec(header);
  // Compare even without a match so a malformed header costs the same as a wrong token.
  const equal = timingSafeEqual(digest(match ? match[1] : ""), digest(token));
  return match !== null && token !== "" && equal;
}
