import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

// The worker's Prometheus metrics (GET /metrics), on a registry of its own so that several workers
// in one process (tests) never share counters.

export const ROUTES = ["/rerank", "/v1/ranking", "/v2/rerank", "/health", "/health/live", "/health/ready", "/metrics", "/admin/reload"];

export function createWorkerMetrics({ defaultMetrics = true }: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (defaultMetrics) collectDefaultMetrics({ register: registry });
  const ms = (b: number[]) => b.map((x) => x / 1000);
  return {
    registry,
    requests: new Counter({
      name: "reranker_http_requests_total",
      help: "HTTP requests by route and status code",
      labelNames: ["route", "status"] as const,
      registers: [registry],
    }),
    errors: new Counter({
      name: "reranker_errors_total",
      help: "Requests answered with an error, by route and error code",
      labelNames: ["route", "code"] as const,
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: "reranker_queue_depth",
      help: "Rerank requests waiting or running",
      registers: [registry],
    }),
    queuedPairs: new Gauge({
      name: "reranker_queue_pairs",
      help: "(query, passage) pairs waiting for the model",
      registers: [registry],
    }),
    batchPairs: new Histogram({
      name: "reranker_batch_pairs",
      help: "(query, passage) pairs per model call",
      buckets: [1, 8, 16, 32, 45, 64, 90, 128, 256, 512, 1024],
      registers: [registry],
    }),
    batchRequests: new Histogram({
      name: "reranker_batch_requests",
      help: "Requests merged into one model call",
      buckets: [1, 2, 3, 4, 6, 8, 12, 16, 32, 64],
      registers: [registry],
    }),
    modelCalls: new Counter({
      name: "reranker_model_calls_total",
      help: "Model calls (one per batch)",
      registers: [registry],
    }),
    queueWait: new Histogram({
      name: "reranker_queue_wait_seconds",
      help: "Time a request waited before its model call started",
      buckets: ms([0.25, 0.5, 1, 2, 3, 5, 10, 20, 50, 100, 250, 1000]),
      registers: [registry],
    }),
    compute: new Histogram({
      name: "reranker_compute_seconds",
      help: "Duration of a model call",
      buckets: ms([1, 2, 5, 10, 15, 20, 30, 50, 100, 250, 1000]),
      registers: [registry],
    }),
  };
}

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;
