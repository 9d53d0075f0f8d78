import { env } from "@/lib/env";
import { setTracer } from "./tracing";

// Turns tracing on when an OTLP endpoint is configured (instrumentation.ts for the app, worker/index.ts
// for the worker); otherwise nothing of OpenTelemetry is loaded.

/** OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is, else OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces (the OTLP spec's rule). */
export function tracesUrl(e: {
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string;
}): string | null {
  if (e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (e.OTEL_EXPORTER_OTLP_ENDPOINT) return `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, "")}/v1/traces`;
  return null;
}

/** OTEL_EXPORTER_OTLP_HEADERS: `name=value` pairs, comma-separated, values URL-encoded (the OTLP spec's format). */
export function parseOtlpHeaders(value: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (value ?? "").split(",")) {
    const at = pair.indexOf("=");
    if (at <= 0) continue;
    headers[pair.slice(0, at).trim().toLowerCase()] = decodeURIComponent(pair.slice(at + 1).trim());
  }
  return headers;
}

export interface Telemetry {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Starts tracing for this process as `<OTEL_SERVICE_NAME><suffix>`; null (and nothing loaded) when no endpoint is set. */
export async function startTelemetry({ suffix = "" }: { suffix?: string } = {}): Promise<Telemetry | null> {
  const url = tracesUrl(env);
  if (!url) return null;
  const { startOtel } = await import("./otel");
  const started = startOtel({
    serviceName: `${env.OTEL_SERVICE_NAME}${suffix}`,
    url,
    headers: parseOtlpHeaders(env.OTEL_EXPORTER_OTLP_HEADERS),
  });
  setTracer(started.tracer);
  return {
    forceFlush: started.forceFlush,
    async shutdown() {
      setTracer(null);
      await started.shutdown();
    },
  };
}
