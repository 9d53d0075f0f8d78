import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "@/lib/log";
import { enterRequest, type RequestContext } from "./context";
import { newRequestId, REQUEST_ID_HEADER, requestIdFrom } from "./request-id";
import { injectTraceHeaders, startServerSpan, type SpanHandle } from "./tracing";

// The app's requests as the HTTP server sees them (node:http's diagnostics channel, so every API route
// is covered without wrapping each handler): the request id is settled before Next.js reads the
// request, echoed in the response's X-Request-Id (errors included), the request span wraps the whole
// exchange, and one log line records the outcome: method, route, status, ms, user; never the body.

interface InFlight {
  requestId: string;
  started: number;
  method: string;
  path: string;
  span?: SpanHandle;
  userId?: string;
  surface?: string;
}

// On globalThis: instrumentation.ts installs the hooks, the route bundles' guard() reads the map.
const KEY = Symbol.for("ranklens.telemetry.in-flight");
const inFlight = ((globalThis as typeof globalThis & { [KEY]?: Map<string, InFlight> })[KEY] ??= new Map());

const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/** /api/runs/<uuid> → /api/runs/:id, so span names stay few (ids live in attributes and logs). */
export function routeName(path: string): string {
  return path
    .split("/")
    .map((s) =>
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s) || /^\d+$/.test(s) ? ":id" : s,
    )
    .join("/");
}

/** Subscribes to node:http's server channel for requests under `prefix`; returns the unsubscribe. */
export function installHttpRequestHooks({ log, prefix = "/api/" }: { log: Logger; prefix?: string }): () => void {
  const onStart = (message: unknown) => {
    const { request, response } = message as { request: IncomingMessage; response: ServerResponse };
    const path = (request.url ?? "/").split("?")[0];
    if (!path.startsWith(prefix)) return;
    let requestId = requestIdFrom(header(request.headers[REQUEST_ID_HEADER]));
    // Ids stay unique among requests in flight: a client reusing one gets a fresh id, told in the response.
    if (inFlight.has(requestId)) requestId = newRequestId();
    request.headers[REQUEST_ID_HEADER] = requestId;
    response.setHeader("X-Request-Id", requestId);
    const method = request.method ?? "GET";
    const span = startServerSpan(
      `${method} ${routeName(path)}`,
      {
        "http.request.method": method,
        "url.path": path,
        "ranklens.request_id": requestId,
      },
      request.headers,
    );
    // Next.js continues the trace found in the request's traceparent: its spans nest under this one.
    if (span) injectTraceHeaders(request.headers, span);
    const entry: InFlight = { requestId, started: performance.now(), method, path, ...(span ? { span } : {}) };
    inFlight.set(requestId, entry);
    response.once("close", () => {
      inFlight.delete(requestId);
      const status = response.writableFinished ? response.statusCode : 499;
      const ms = Math.round((performance.now() - entry.started) * 100) / 100;
      if (entry.span) {
        entry.span.setAttributes({ "http.response.status_code": status, "enduser.id": entry.userId });
        if (status >= 500) entry.span.fail(new Error(`HTTP ${status}`));
        entry.span.end();
      }
      const fields = {
        requestId,
        method,
        route: path,
        status,
        ms,
        ...(entry.userId ? { userId: entry.userId } : {}),
        ...(entry.surface ? { surface: entry.surface } : {}),
      };
      if (status >= 500) log.error("request failed", fields);
      else log.info("request", fields);
    });
  };
  subscribe("http.server.request.start", onStart);
  return () => unsubscribe("http.server.request.start", onStart);
}

/**
 * guard()'s first step, before anything is awaited: the request's id (the one the HTTP hooks settled,
 * else the caller's if safe, else a new one) and span become current for the rest of the handler.
 */
export function beginApiRequest(request: Request, surface: string): RequestContext {
  const requestId = requestIdFrom(request.headers.get(REQUEST_ID_HEADER));
  const http = inFlight.get(requestId);
  if (http) http.surface = surface;
  const context: RequestContext = { requestId, ...(http?.span ? { span: http.span } : {}) };
  enterRequest(context);
  return context;
}

/** Once authenticated: the user goes into the request's log line and span. */
export function identifyRequestUser(context: RequestContext, userId: string): void {
  context.userId = userId;
  const http = inFlight.get(context.requestId);
  if (http) http.userId = userId;
}
