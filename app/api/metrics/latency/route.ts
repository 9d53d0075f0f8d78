import { getDb } from "@/db";
import { stageLatency, stageLatencySeries, STAGES } from "@/db/queries/latency";
import { env } from "@/lib/env";
import { rerankCacheStats } from "@/lib/rerank/cache";
import { errorResponse } from "@/lib/errors";
import { authorizeMetrics } from "../auth";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const WINDOWS = [3_600_000, 24 * 3_600_000];

/**
 * `{ windows: [{ windowMs, runs, stages: { <stage>: { count, p50, p95, p99 } }, failOpenRate }] }` for 1 h
 * and 24 h, `series: { <stage>: [{ hour, runs, p50, p95, p99 }] }` hourly over 24 h, the rerank P95
 * alert (`rerankAlert`: the rerank call's P95 over the last hour against RERANK_ALERT_MS, and the
 * fail-open rate against RERANK_FAIL_OPEN_ALERT), and the rerank cache counters.
 */
export async function GET(request: Request) {
  try {
    await authorizeMetrics(request);
    const db = await getDb();
    const windows = await Promise.all(WINDOWS.map((windowMs) => stageLatency({ db, windowMs })));
    const series = Object.fromEntries(
      await Promise.all(
        STAGES.map(async (stage) => [stage, await stageLatencySeries({ db, stage, hours: 24 })] as const),
      ),
    );
    const hour = windows[0];
    // The rerank call's wall time: timed-out calls count at their deadline.
    const rerankP95 = hour.stages.rerankMs.p95;
    const reasons = [
      rerankP95 != null && rerankP95 > env.RERANK_ALERT_MS
        ? `rerank P95 ${rerankP95.toFixed(0)} ms is over ${env.RERANK_ALERT_MS} ms`
        : null,
      hour.failOpenRate != null && hour.failOpenRate > env.RERANK_FAIL_OPEN_ALERT
        ? `${(hour.failOpenRate * 100).toFixed(1)} % of searches answered without the reranker`
        : null,
    ].filter((r): r is string => r !== null);
    return Response.json({
      windows,
      series,
      rerankAlert: {
        thresholdMs: env.RERANK_ALERT_MS,
        failOpenThreshold: env.RERANK_FAIL_OPEN_ALERT,
        p95Ms: rerankP95,
        failOpenRate: hour.failOpenRate,
        firing: reasons.length > 0,
        reasons,
      },
      rerankCache: rerankCacheStats(),
    });
  } catch (error) {
    return errorResponse(error, "admin");
  }
}
