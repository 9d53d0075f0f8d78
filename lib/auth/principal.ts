import "server-only";
import { getDb } from "@/db";
import type { Viewer } from "@/db/queries/access";
import { findApiKeyOwner } from "@/db/queries/api-keys";
import { LOCAL_USER_ID, type ApiKeyScope, type UserRole } from "@/db/schema";
import { env } from "@/lib/env";
import { AppError, type ErrorSurface } from "@/lib/errors";
import { isLoopbackHost } from "@/lib/net/loopback";
import { appOrigins, resolveAuthMode } from "./mode";
import { getAuth } from "./server";

/** Who is making a request, and what they may do. */
export type Principal = {
  userId: string;
  email: string;
  name: string;
  role: UserRole;
  /** local: AUTH_MODE=local's implicit user; session: a signed-in browser; api-key: Authorization: Bearer. */
  via: "local" | "session" | "api-key";
  /** read: GET-style API calls only; write: everything the user may do. Sessions and local are write. */
  scope: ApiKeyScope;
};

export const viewerOf = (p: Principal): Viewer => ({ userId: p.userId });

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * CSRF defence for cookie-authenticated (and local-mode) mutations: a browser says where a request
 * comes from (Sec-Fetch-Site, Origin); anything cross-site is refused. Requests without either header
 * are not from a browser page and carry no ambient credentials to abuse (the session cookie is SameSite=Lax).
 */
export function checkSameOrigin(request: Request, origins: string[], surface: ErrorSurface): void {
  if (SAFE_METHODS.has(request.method)) return;
  const site = request.headers.get("sec-fetch-site");
  const origin = request.headers.get("origin");
  const forbidden = () => new AppError(`forbidden:${surface}`, "Cross-site request refused.");
  if (site && site !== "same-origin" && site !== "none") throw forbidden();
  if (origin && !origins.includes(origin)) {
    // Same host as the request itself (e.g. reached through another hostname than APP_URL) is same-origin.
    const self = new URL(request.url).origin;
    if (origin !== self || site === "cross-site") throw forbidden();
  }
}

/**
 * Local mode trusts whoever reaches the loopback address, so the request must also be addressed to it:
 * a Host that is not a loopback name (or APP_URL / TRUSTED_ORIGINS) is a DNS-rebinding page of some
 * other site talking to this machine's app, and is refused.
 */
export function checkLocalHost(request: Request, origins: string[], surface: ErrorSurface): void {
  const host = request.headers.get("host") ?? new URL(request.url).host;
  const hostname = host.replace(/:\d+$/, "");
  const allowed = isLoopbackHost(hostname) || origins.some((o) => new URL(o).host === host);
  if (!allowed) throw new AppError(`forbidden:${surface}`, `Requests addressed to ${host} are refused in local mode.`);
}

function bearerToken(request: Request): string | null {
  const header = request.headers.get("authorization");
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw unauthorized("api", "The Authorization header must be `Bearer <API key>`.");
  return match[1];
}

function unauthorized(
  surface: ErrorSurface,
  message = "Sign in, or send an API key as `Authorization: Bearer <key>`.",
) {
  return new AppError(`unauthorized:${surface}`, message, {
    headers: { "WWW-Authenticate": 'Bearer realm="ranklens"' },
  });
}

/**
 * Authenticates a request: an API key (any mode), else the implicit local user (AUTH_MODE=local), else
 * the session cookie. 401 when there is none or it is invalid, 403 when the key's scope is read and the
 * call needs write, or a cookie-authenticated mutation comes from another site.
 */
export async function authenticate(
  request: Request,
  { need, surface }: { need: ApiKeyScope; surface: ErrorSurface },
): Promise<Principal> {
  const token = bearerToken(request);
  if (token !== null) {
    const owner = await findApiKeyOwner({ db: await getDb(), key: token });
    if (!owner) throw unauthorized(surface, "This API key is not valid (unknown, revoked, or its user is disabled).");
    if (need === "write" && owner.scope !== "write") {
      throw new AppError(`forbidden:${surface}`, "This API key is read-only; this call needs a key with write scope.");
    }
    return {
      userId: owner.userId,
      email: owner.email,
      name: owner.name,
      role: owner.role === "admin" ? "admin" : "user",
      via: "api-key",
      scope: owner.scope,
    };
  }
  const { origins } = appOrigins(env);
  if (resolveAuthMode(env) === "local") {
    checkLocalHost(request, origins, surface);
    checkSameOrigin(request, origins, surface);
    return {
      userId: LOCAL_USER_ID,
      email: "local@ranklens.invalid",
      name: "Local user",
      role: "admin",
      via: "local",
      scope: "write",
    };
  }
  const auth = await getAuth();
  const session = await auth.api.getSession({ headers: request.headers });
  if (!session) throw unauthorized(surface);
  const user = session.user as typeof session.user & { role?: string | null; banned?: boolean | null };
  if (user.banned) throw unauthorized(surface, "This account is disabled.");
  checkSameOrigin(request, origins, surface);
  return {
    userId: user.id,
    email: user.email,
    name: user.name,
    role: user.role === "admin" ? "admin" : "user",
    via: "session",
    scope: "write",
  };
}

/** 403 unless the principal is an admin signed in (or local); API keys never administer. */
export function requireAdmin(principal: Principal): void {
  if (principal.role !== "admin" || principal.via === "api-key") {
    throw new AppError("forbidden:admin", "Only an admin can do this (and not with an API key).");
  }
}

/** 403 for API keys: managing keys needs a signed-in session (a leaked key cannot mint more). */
export function requireInteractive(principal: Principal): void {
  if (principal.via === "api-key") throw new AppError("forbidden:keys", "API keys cannot manage API keys; sign in.");
}
