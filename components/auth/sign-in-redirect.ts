/**
 * Where to go after signing in: `next` when it is a path on this site ("/…", not "//…" nor "/\…",
 * which browsers read as another host), else /chat.
 */
export function safeNextPath(next: string | null | undefined): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/chat";
  // Control characters (tabs, newlines) are dropped by URL parsers and could turn "/\t/evil" into "//evil".
  if (/[\u0000-\u001f\u007f]/.test(next)) return "/chat";
  return next;
}

export function signInHref(next: string): string {
  return `/sign-in?next=${encodeURIComponent(next)}`;
}

let redirecting = false;

/** A 401 from the API: the session is gone, so send the browser to sign in and come back here after. */
export function redirectToSignIn(): void {
  if (typeof window === "undefined" || redirecting) return;
  const { pathname, search } = window.location;
  if (pathname === "/sign-in") return;
  redirecting = true;
  window.location.assign(signInHref(`${pathname}${search}`));
}

/**
 * A full page load to `path` (after signing in or out): nothing cached for the previous user survives,
 * and a 401 from a request still in flight cannot send the browser elsewhere meanwhile.
 */
export function leaveTo(path: string): void {
  redirecting = true;
  window.location.assign(path);
}

/** Whether `url` is one of our API routes (relative, or absolute on this origin). */
export function isOwnApi(url: string): boolean {
  if (url.startsWith("/api/")) return true;
  if (typeof window === "undefined") return false;
  try {
    const u = new URL(url);
    return u.origin === window.location.origin && u.pathname.startsWith("/api/");
  } catch {
    return false;
  }
}
