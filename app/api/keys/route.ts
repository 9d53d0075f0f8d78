import { getDb } from "@/db";
import { createApiKey, listApiKeys } from "@/db/queries/api-keys";
import { guard } from "@/lib/auth/guard";
import { requireInteractive } from "@/lib/auth/principal";
import { AppError, errorResponse } from "@/lib/errors";
import { readJsonBody } from "@/lib/http/read-json";
import { describeIssues } from "../search/schema";
import { newKeySchema } from "./schema";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** The caller's API keys (never the keys themselves: only their prefix). */
export async function GET(request: Request) {
  try {
    const principal = await guard(request, { need: "read", surface: "keys" });
    requireInteractive(principal);
    return Response.json({ keys: await listApiKeys({ db: await getDb(), userId: principal.userId }) });
  } catch (error) {
    return errorResponse(error, "keys");
  }
}

/** `{ name, scope: "read" | "write" }` → 201 with `key`, shown this once (only its sha256 is stored). */
export async function POST(request: Request) {
  try {
    const principal = await guard(request, { need: "write", surface: "keys" });
    requireInteractive(principal);
    const body = newKeySchema.safeParse(await readJsonBody(request, "keys"));
    if (!body.success) throw new AppError("bad_request:keys", describeIssues(body.error));
    const created = await createApiKey({ db: await getDb(), userId: principal.userId, ...body.data });
    return Response.json(created, { status: 201, headers: { "Cache-Control": "no-store" } });
  } catch (error) {
    return errorResponse(error, "keys");
  }
}
