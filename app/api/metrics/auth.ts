import { createHash, timingSafeEqual } from "node:crypto";
import { guard } from "@/lib/auth/guard";
import { requireAdmin } from "@/lib/auth/principal";
import { env } from "@/lib/env";

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();

/** A scraper with `Bearer <METRICS_TOKEN>`, or a signed-in admin (local mode: the local user). */
export async function authorizeMetrics(request: Request): Promise<void> {
  const header = request.headers.get("authorization") ?? "";
  const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  if (env.METRICS_TOKEN && token && timingSafeEqual(digest(token), digest(env.METRICS_TOKEN))) return;
  requireAdmin(await guard(request, { need: "read", surface: "admin" }));
}
