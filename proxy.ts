import { NextResponse, type NextRequest } from "next/server";

import { env } from "@/lib/env";
import { createNonce, isHttpsRequest, securityHeaders } from "@/lib/security/headers";

// Next.js 16's request proxy (formerly middleware). Per-request CSP nonce and security headers; the
// nonce goes on the request's CSP header too, which is where Next.js reads it to nonce its own scripts.
export function proxy(request: NextRequest) {
  const nonce = createNonce();
  const headers = securityHeaders(nonce, {
    dev: env.NODE_ENV === "development",
    https: isHttpsRequest(request.url, request.headers.get("x-forwarded-proto")),
  });

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
