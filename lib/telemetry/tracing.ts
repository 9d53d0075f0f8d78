// The app's and the worker's only way to make spans. Nothing here imports OpenTelemetry: until
// start.ts installs a tracer (an OTLP endpoint is configured), every call is a null check and the
// function itself, so tracing off costs nothing and loads nothing.

export type SpanAttributes = Record<string, string | number | boolean | undefined>;

export interface SpanHandle {
  setAttributes(attributes: SpanAttributes): void;
  /** Marks the span failed (its status and an exception event carry the error's message). */
  fail(error: unknown): void;
  end(): void;
}

/** Incoming or outgoing HTTP headers, lower-case names (node:http's IncomingHttpHeaders fits). */
export type HeaderBag = Record<string, string | string[] | undefined>;

export interface Tracer {
  /** Runs fn in a child span of the current one, or of the current request's span. */
  span<T>(name: string, attributes: SpanAttributes, fn: (span: SpanHandle) => Promise<T>): Promise<T>;
  /** A span for a request that arrived over HTTP: child of the caller's `traceparent` when sent. */
  startServerSpan(name: string, attributes: SpanAttributes, headers: HeaderBag): SpanHandle;
  /** Runs fn with `span` as the current span. */
  within<T>(span: SpanHandle, fn: () => T): T;
  /** Writes `traceparent` (and `tracestate`) of `span`, or of the current span, into headers. */
  inject(headers: Record<string, string | string[] | undefined>, span?: SpanHandle): void;
}

// On globalThis: Next.js bundles instrumentation.ts and each route separately, each with its own copy
// of this module, and all of them must see the tracer that instrumentation.ts installed.
const TRACER = Symbol.for("ranklens.telemetry.tracer");
const shared = globalThis as typeof globalThis & { [TRACER]?: Tracer | null };

export function setTracer(next: Tracer | null): void {
  shared[TRACER] = next;
}

export function tracingOn(): boolean {
  return Boolean(shared[TRACER]);
}

export function withSpan<T>(
  name: string,
  attributes: SpanAttributes,
  fn: (span: SpanHandle | undefined) => Promise<T>,
): Promise<T> {
  const tracer = shared[TRACER];
  return tracer ? tracer.span(name, attributes, fn) : fn(undefined);
}

export function startServerSpan(name: string, attributes: SpanAttributes, headers: HeaderBag): SpanHandle | undefined {
  return shared[TRACER]?.startServerSpan(name, attributes, headers);
}

export function withinSpan<T>(span: SpanHandle | undefined, fn: () => T): T {
  const tracer = shared[TRACER];
  return tracer && span ? tracer.within(span, fn) : fn();
}

export function injectTraceHeaders(headers: Record<string, string | string[] | undefined>, span?: SpanHandle): void {
  shared[TRACER]?.inject(headers, span);
}
