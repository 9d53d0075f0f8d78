// Request ids: one per API request, chosen by the browser (or any client) and carried through the app's
// logs, the worker call and its logs, so one id finds a request everywhere. No Node imports: the browser
// uses this module too.

export const REQUEST_ID_HEADER = "x-request-id";

/** Short, printable and free of separators a log line or a header could be split on. */
const SAFE = /^[A-Za-z0-9._-]{1,64}$/;

export function isSafeRequestId(value: unknown): value is string {
  return typeof value === "string" && SAFE.test(value);
}

/** A random v4 UUID; randomUUID needs a secure context, getRandomValues does not (plain-http LAN hosts). */
export function newRequestId(): string {
  const c = globalThis.crypto;
  if (typeof c.randomUUID === "function") return c.randomUUID();
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The caller's id when it is safe to log and echo, else a fresh one. */
export function requestIdFrom(header: string | null | undefined): string {
  return isSafeRequestId(header) ? header : newRequestId();
}
