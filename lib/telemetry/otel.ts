import {
  context,
  createContextKey,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
} from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import { currentRequest } from "./context";
import type { HeaderBag, SpanAttributes, SpanHandle, Tracer } from "./tracing";

// The OpenTelemetry side of tracing.ts, imported only when an OTLP endpoint is configured: a Node
// tracer provider (AsyncLocalStorage context, W3C traceparent propagation) exporting OTLP/HTTP.

/** Marks contexts entered by our own spans, so a stage span nests under its caller's span. */
const OWN_SPAN = createContextKey("ranklens.own-span");

class OtelSpan implements SpanHandle {
  constructor(readonly span: Span) {}
  setAttributes(attributes: SpanAttributes) {
    this.span.setAttributes(defined(attributes));
  }
  fail(error: unknown) {
    const message = error instanceof Error ? error.message : String(error);
    this.span.recordException({ name: error instanceof Error ? error.name : "Error", message });
    this.span.setStatus({ code: SpanStatusCode.ERROR, message });
  }
  end() {
    this.span.end();
  }
}

const defined = (a: SpanAttributes) =>
  Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined)) as Record<string, string | number | boolean>;

const raw = (handle: SpanHandle) => (handle as OtelSpan).span;

/**
 * Inside one of our spans: that span. At the top of a request's work: the request's span (from the
 * request context), even where the framework has made its own spans current in between.
 */
function parentContext(): Context {
  const active = context.active();
  if (active.getValue(OWN_SPAN)) return active;
  const request = currentRequest()?.span;
  return request ? trace.setSpan(active, raw(request)) : active;
}

const headerGetter = {
  get: (carrier: HeaderBag, key: string) => carrier[key.toLowerCase()],
  keys: (carrier: HeaderBag) => Object.keys(carrier),
};

export interface OtelOptions {
  serviceName: string;
  /** The full OTLP/HTTP traces URL (…/v1/traces). */
  url: string;
  headers?: Record<string, string>;
}

export function startOtel({ serviceName, url, headers }: OtelOptions): {
  tracer: Tracer;
  shutdown(): Promise<void>;
  forceFlush(): Promise<void>;
} {
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url, headers }))],
  });
  // Global provider, AsyncLocalStorage context manager and W3C trace-context propagator: Next.js's own
  // spans use the same globals, so they nest under the request spans made here.
  provider.register();
  const otel = trace.getTracer("ranklens");

  const tracer: Tracer = {
    async span(name, attributes, fn) {
      const parent = parentContext();
      const span = new OtelSpan(otel.startSpan(name, { attributes: defined(attributes) }, parent));
      try {
        return await context.with(trace.setSpan(parent, span.span).setValue(OWN_SPAN, true), () => fn(span));
      } catch (error) {
        span.fail(error);
        throw error;
      } finally {
        span.end();
      }
    },
    startServerSpan(name, attributes, incoming) {
      const parent = propagation.extract(context.active(), incoming, headerGetter);
      return new OtelSpan(otel.startSpan(name, { kind: SpanKind.SERVER, attributes: defined(attributes) }, parent));
    },
    within(span, fn) {
      return context.with(trace.setSpan(context.active(), raw(span)).setValue(OWN_SPAN, true), fn);
    },
    inject(carrier, span) {
      const ctx = span ? trace.setSpan(context.active(), raw(span)) : context.active();
      propagation.inject(ctx, carrier);
    },
  };

  return {
    tracer,
    forceFlush: () => provider.forceFlush(),
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
