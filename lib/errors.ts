// Typed application errors (after vercel/ai-chatbot): a code "<type>:<surface>" that maps to an HTTP
// status, and a message safe to show to the user. Responses never carry a stack trace.

import { log } from "@/lib/log";

export type ErrorType =
  | "bad_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "too_large"
  | "unsupported"
  | "rate_limited"
  | "unavailable"
  | "internal";

export type ErrorSurface =
  | "upload"
  | "document"
  | "ingest"
  | "search"
  | "chat"
  | "run"
  | "rerank"
  | "database"
  | "api"
  | "auth"
  | "admin"
  | "keys"
  | "labels"
  | "eval";

export type ErrorCode = `${ErrorType}:${ErrorSurface}`;

const STATUS: Record<ErrorType, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unsupported: 415,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly type: ErrorType;
  readonly surface: ErrorSurface;
  readonly status: number;
  /** Extra response headers, e.g. Retry-After on 429 or WWW-Authenticate on 401. */
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; headers?: Record<string, string> }) {
    super(message, options);
    this.headers = options?.headers ?? {};
    this.name = "AppError";
    this.code = code;
    const [type, surface] = code.split(":") as [ErrorType, ErrorSurface];
    this.type = type;
    this.surface = surface;
    this.status = STATUS[type];
  }

  toJSON(): ErrorBody {
    return { error: { code: this.code, message: this.message } };
  }

  toResponse(): Response {
    return Response.json(this.toJSON(), { status: this.status, headers: this.headers });
  }
}

let errorObserver: ((code: ErrorCode) => void) | null = null;

/** Lets the app's metrics count error responses by code without this module depending on them. */
export function setErrorObserver(observer: ((code: ErrorCode) => void) | null): void {
  errorObserver = observer;
}

/** Any thrown value as a response: AppErrors as themselves, anything else as a logged, generic 500. */
export function errorResponse(error: unknown, surface: ErrorSurface = "api"): Response {
  if (error instanceof AppError) {
    errorObserver?.(error.code);
    return error.toResponse();
  }
  errorObserver?.(`internal:${surface}`);
  log.error("unexpected error", { surface, error });
  return new AppError(`internal:${surface}`, "Something went wrong on the server.").toResponse();
}

/** A document could not be parsed or ingested; the message is shown as the document's error. */
export class IngestError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("bad_request:ingest", message, options);
    this.name = "IngestError";
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
