import type { ApiErrorBody } from "@/components/api-types";
import { isOwnApi, redirectToSignIn } from "@/components/auth/sign-in-redirect";
import { newRequestId, REQUEST_ID_HEADER } from "@/lib/telemetry/request-id";

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    /** The id this request carried (X-Request-Id): the server's logs and traces know it by this. */
    readonly requestId?: string,
  ) {
    super(requestId ? withRequestId(message, requestId) : message);
    this.name = "ApiError";
  }
}

/** An error message the user can quote: the server's logs hold the same id. */
export function withRequestId(message: string, requestId: string): string {
  return `${message} (request id ${requestId})`;
}

/** Headers with a fresh X-Request-Id, one per request; returns the id with them. */
export function withNewRequestId(headers?: HeadersInit): { headers: Headers; requestId: string } {
  const h = new Headers(headers);
  const requestId = newRequestId();
  h.set(REQUEST_ID_HEADER, requestId);
  return { headers: h, requestId };
}

/** Reads the `{ error: { message } }` body the API returns on failure, falling back to the status text. */
export function errorMessageFrom(body: unknown, status: number, statusText = ""): string {
  const message = (body as ApiErrorBody | null)?.error?.message;
  if (typeof message === "string" && message.trim() !== "") return message;
  return `Request failed: ${status}${statusText ? ` ${statusText}` : ""}`;
}

/** Sends the browser to sign in when our API answers 401 (no or expired session). */
export function handleUnauthorized(url: string, status: number): void {
  if (status === 401 && isOwnApi(url)) redirectToSignIn();
}

export async function fetchJson<T>(url: string, init?: RequestInit): Promise<T> {
  const { headers, requestId } = withNewRequestId(init?.headers);
  if (!headers.has("accept")) headers.set("accept", "application/json");
  const res = await fetch(url, { ...init, headers });
  if (res.status === 204) return undefined as T;
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    handleUnauthorized(url, res.status);
    // The server echoes our id (or the one it used instead of an unusable one).
    const id = res.headers.get(REQUEST_ID_HEADER) ?? requestId;
    throw new ApiError(errorMessageFrom(body, res.status, res.statusText), res.status, id);
  }
  return body as T;
}

/** JSON body helper for POST/PATCH/DELETE calls. */
export function sendJson<T>(url: string, method: "POST" | "PATCH" | "DELETE", body?: unknown): Promise<T> {
  return fetchJson<T>(url, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}
