import { getDb } from "@/db";
import { listWorkspaces } from "@/db/queries/workspaces";
import { guard } from "@/lib/auth/guard";
import { resolveAuthMode } from "@/lib/auth/mode";
import { env } from "@/lib/env";
import { errorResponse } from "@/lib/errors";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** `{ mode, user: { id, email, name, role }, via, scope, workspaces }`; 401 when not signed in. */
export async function GET(request: Request) {
  try {
    const principal = await guard(request, { need: "read", surface: "auth" });
    const workspaces = await listWorkspaces({ db: await getDb(), memberId: principal.userId });
    return Response.json({
      mode: resolveAuthMode(env),
      user: { id: principal.userId, email: principal.email, name: principal.name, role: principal.role },
      via: principal.via,
      scope: principal.scope,
      workspaces: workspaces.map((w) => ({ id: w.id, name: w.name })),
    });
  } catch (error) {
    return errorResponse(error, "auth");
  }
}
