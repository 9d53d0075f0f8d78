import { getDb } from "@/db";
import { createWorkspace, listWorkspaces } from "@/db/queries/workspaces";
import { guard } from "@/lib/auth/guard";
import { requireAdmin } from "@/lib/auth/principal";
import { AppError, errorResponse } from "@/lib/errors";
import { readJsonBody } from "@/lib/http/read-json";
import { describeIssues } from "../../search/schema";
import { newWorkspaceSchema } from "../schema";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(request: Request) {
  try {
    requireAdmin(await guard(request, { need: "read", surface: "admin" }));
    return Response.json({ workspaces: await listWorkspaces({ db: await getDb() }) });
  } catch (error) {
    return errorResponse(error, "admin");
  }
}

/** `{ name }` → 201 `{ id, name }`; 409 when the name is taken. */
export async function POST(request: Request) {
  try {
    requireAdmin(await guard(request, { need: "write", surface: "admin" }));
    const body = newWorkspaceSchema.safeParse(await readJsonBody(request, "admin"));
    if (!body.success) throw new AppError("bad_request:admin", describeIssues(body.error));
    const created = await createWorkspace({ db: await getDb(), name: body.data.name });
    if (!created) throw new AppError("conflict:admin", `A workspace named "${body.data.name}" already exists.`);
    return Response.json(created, { status: 201 });
  } catch (error) {
    return errorResponse(error, "admin");
  }
}
