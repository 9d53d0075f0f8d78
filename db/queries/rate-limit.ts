import { sql } from "drizzle-orm";
import { textArray } from "./lexical";
import { num, queryRows, type Executor } from "./sql";

export const RATE_WINDOW_MS = 60_000;

export type RateCount = { key: string; count: number; previous: number };

/**
 * Counts one request against each key in the current one-minute window and returns, per key, this
 * window's count and the previous window's (for a sliding-window estimate). Shared by every app
 * instance on the database. Windows older than the previous one are purged now and then.
 */
export async function countRequest({
  db,
  keys,
  now = Date.now(),
}: {
  db: Executor;
  keys: string[];
  now?: number;
}): Promise<RateCount[]> {
  if (keys.length === 0) return [];
  const window = Math.floor(now / RATE_WINDOW_MS);
  const rows = await queryRows<{ key: string; count: unknown; previous: unknown }>(
    db,
    sql`
      WITH up AS (
        INSERT INTO rate_limit_counters (key, "window", count)
        SELECT k, ${window}::bigint, 1 FROM unnest(${textArray(keys)}) AS k
        ON CONFLICT (key, "window") DO UPDATE SET count = rate_limit_counters.count + 1
        RETURNING key, count
      )
      SELECT up.key, up.count, coalesce(p.count, 0) AS previous
      FROM up LEFT JOIN rate_limit_counters p ON p.key = up.key AND p."window" = ${window - 1}::bigint`,
  );
  if (Math.random() < 0.01) {
    await db.execute(sql`DELETE FROM rate_limit_counters WHERE "window" < ${window - 1}::bigint`);
  }
  return rows.map((r) => ({ key: r.key, count: num(r.count), previous: num(r.previous) }));
}
