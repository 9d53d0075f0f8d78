import { getDb } from "@/db";
import { stageLatency } from "@/db/queries/latency";
import { errorResponse } from "@/lib/errors";
import { authorizeMetrics } from "../auth";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const WINDOWS = [3_600_000, 24 * 3_600_000];

/** `{ windows: [{ windowMs, runs, stages: { <stage>: { count, p50, p95, p99 } }, failOpenRate }] }` for 1 h and 24 h. */
export async function GET(request: Request) {
  try {
    await authorizeMetrics(request);
    const db = await getDb();
    return Response.json({ windows: await Promise.all(WINDOWS.map((windowMs) => stageLatency({ db, windowMs }))) });
  } catch (error) {
    return errorResponse(error, "admin");
  }
}
