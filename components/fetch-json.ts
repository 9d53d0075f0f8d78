import type { ApiErrorBody } from "@/components/api-types";

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

export async function fetchJson<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, { ...init, headers: { accept: "application/json", ...init?.headers } });
  if (res.status === 204) return undefined as T;
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(errorMessageFrom(body, res.status, res.statusText), res.status);
  return body as T;
}
