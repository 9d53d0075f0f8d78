import { errorResponse } from "@/lib/errors";
import { appMetrics } from "@/lib/metrics/app";
import { authorizeMetrics } from "./auth";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * Prometheus text format: requests and errors per route surface, stage latency histograms, rerank
 * fail-open counts, rerank cache hit ratio, ingestion queue depth, worker health, process metrics.
 */
export async function GET(request: Request) {
  try {
    await authorizeMetrics(request);
    return new Response(await appMetrics.registry.metrics(), {
      headers: { "Content-Type": appMetrics.registry.contentType, "Cache-Control": "no-store" },
    });
  } catch (error) {
    return errorResponse(error, "admin");
  }
}
