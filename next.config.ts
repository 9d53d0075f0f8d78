import type { NextConfig } from "next";
// Importing env here makes a bad environment fail `next build` and `next start` early.
import "./lib/env";

const nextConfig: NextConfig = {
  // Native and WASM packages must be loaded by Node at run time, not bundled.
  serverExternalPackages: [
    "onnxruntime-node",
    "@electric-sql/pglite",
    "@electric-sql/pglite-pgvector",
    "@electric-sql/pglite-pg_textsearch",
    "postgres",
    // OpenTelemetry, loaded by Node only when tracing is configured (lib/telemetry/otel.ts).
    "@opentelemetry/api",
    "@opentelemetry/sdk-trace-node",
    "@opentelemetry/exporter-trace-otlp-http",
    "@opentelemetry/resources",
    "@opentelemetry/semantic-conventions",
  ],
  poweredByHeader: false,
  // A separate build directory lets two builds of one checkout coexist (e.g. a test run beside a dev build).
  distDir: process.env.NEXT_DIST_DIR || ".next",
};

export default nextConfig;
