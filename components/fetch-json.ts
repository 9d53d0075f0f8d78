import type { ApiErrorBody } from "@/components/api-types";
import { isOwnApi, redirectToSignIn } from "@/components/auth/sign-in-redirect";

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "ApiError";
  }
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
  const res = await fetch(url, { ...init, headers: { accept: "application/json", ...init?.headers } });
  if (res.status === 204) return undefined as T;
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    handleUnauthorized(url, res.status);
    throw new ApiError(errorMessageFrom(body, res.status, res.statusText), res.status);
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
