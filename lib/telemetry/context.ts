import { AsyncLocalStorage } from "node:async_hooks";
import type { SpanHandle } from "./tracing";

// The request an API call or a worker call is serving, for code far from the route handler: the logger
// adds its id to every line, the rerank client sends it to the worker, spans hang under its span.

export interface RequestContext {
  requestId: string;
  userId?: string;
  /** The request's span when tracing is on (started at the HTTP layer, see http-hooks.ts). */
  span?: SpanHandle;
}

// One store per process, on globalThis: Next.js may load this module once per bundle (see tracing.ts).
const KEY = Symbol.for("ranklens.telemetry.request-context");
const storage = ((globalThis as typeof globalThis & { [KEY]?: AsyncLocalStorage<RequestContext> })[KEY] ??=
  new AsyncLocalStorage<RequestContext>());

export function currentRequest(): RequestContext | undefined {
  return storage.getStore();
}

export function runWithRequest<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

/**
 * Makes `context` current for the rest of the calling function and everything it awaits afterwards.
 * Route handlers call guard() first, whose synchronous start calls this, so the handler's own
 * continuation sees the request without every route wrapping its body in runWithRequest.
 */
export function enterRequest(context: RequestContext): void {
  storage.enterWith(context);
}
