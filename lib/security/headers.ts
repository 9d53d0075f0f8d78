// Security headers for every page and API response. Pure (no Next.js imports) so the proxy stays thin
// and the policy is unit-testable.

export interface SecurityHeaderOptions {
  /** `next dev` needs 'unsafe-eval' (React rebuilds server error stacks with eval); production never does. */
  dev: boolean;
  /** HSTS only over https: sent over http it is ignored, and on localhost it would pin the port to https. */
  https: boolean;
}

/** A fresh, unguessable nonce for one response (128 random bits, base64). */
export function createNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

/**
 * The Content-Security-Policy. Scripts run only with this response's nonce ('strict-dynamic' lets the
 * nonced Next.js runtime load its chunks); styles allow inline because React renders `style` attributes.
 */
export function contentSecurityPolicy(nonce: string, { dev }: Pick<SecurityHeaderOptions, "dev">): string {
  const directives: Record<string, string[]> = {
    "default-src": ["'self'"],
    "script-src": ["'self'", `'nonce-${nonce}'`, "'strict-dynamic'", ...(dev ? ["'unsafe-eval'"] : [])],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'"],
    // The dev server's hot reload talks over a websocket on the same host.
    "connect-src": ["'self'", ...(dev ? ["ws:", "wss:"] : [])],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
  };
  return Object.entries(directives)
    .map(([name, values]) => `${name} ${values.join(" ")}`)
    .join("; ");
}

/** Every header the proxy sets on a response, CSP included. */
export function securityHeaders(nonce: string, options: SecurityHeaderOptions): Record<string, string> {
  return {
    "Content-Security-Policy": contentSecurityPolicy(nonce, options),
    // Uploaded text is only ever served inside JSON; nosniff keeps a browser from guessing it is HTML.
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    ...(options.https ? { "Strict-Transport-Security": "max-age=31536000; includeSubDomains" } : {}),
  };
}

/** Whether the request reached us over https, directly or through a TLS-terminating proxy. */
export function isHttpsRequest(url: string, forwardedProto: string | null): boolean {
  const first = forwardedProto?.split(",")[0]?.trim().toLowerCase();
  return first ? first === "https" : url.startsWith("https:");
}
