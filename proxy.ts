import { NextResponse, type NextRequest } from "next/server";

import { resolveAuthMode } from "@/lib/auth/mode";
import { env } from "@/lib/env";
import { createNonce, isHttpsRequest, securityHeaders } from "@/lib/security/headers";

const SESSION_COOKIES = ["ranklens.session_token", "__Secure-ranklens.session_token"];
const OPEN_PAGES = ["/sign-in"];

/**
 * In accounts mode a page request without a session cookie goes to /sign-in (an optimistic check to
 * spare a flash of an empty page; every API route checks the session itself). Null: carry on.
 */
function signInRedirect(request: NextRequest): NextResponse | null {
  const { pathname, search } = request.nextUrl;
  if (pathname.startsWith("/api/") || OPEN_PAGES.includes(pathname) || resolveAuthMode(env) !== "accounts") return null;
  if (SESSION_COOKIES.some((name) => request.cookies.has(name))) return null;
  const url = request.nextUrl.clone();
  url.pathname = "/sign-in";
  url.search = `?next=${encodeURIComponent(pathname + search)}`;
  return NextResponse.redirect(url);
}

// Next.js 16's request proxy (formerly middleware). Per-request CSP nonce and security headers; the
// nonce goes on the request's CSP header too, which is where Next.js reads it to nonce its own scripts.
export function proxy(request: NextRequest) {
  const nonce = createNonce();
  const headers = securityHeaders(nonce, {
    dev: env.NODE_ENV === "development",
    https: isHttpsRequest(request.url, request.headers.get("x-forwarded-proto")),
  });

  const redirect = signInRedirect(request);
  if (redirect) {
    for (const [name, value] of Object.entries(headers)) redirect.headers.set(name, value);
    return redirect;
  }

  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("Content-Security-Policy", headers["Content-Security-Policy"]);

  const response = NextResponse.next({ request: { headers: requestHeaders } });
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}

export const config = {
  // Pages and /api alike; build assets are immutable files Next.js serves itself.
  matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"],
};
