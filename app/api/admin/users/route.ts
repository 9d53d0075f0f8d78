import { getDb } from "@/db";
import { guard } from "@/lib/auth/guard";
import { requireAdmin } from "@/lib/auth/principal";
import { getAuth } from "@/lib/auth/server";
import { createUser, listUsers } from "@/lib/auth/users";
import { AppError, errorResponse } from "@/lib/errors";
import { readJsonBody } from "@/lib/http/read-json";
import { describeIssues } from "../../search/schema";
import { newUserSchema } from "../schema";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(request: Request) {
  try {
    requireAdmin(await guard(request, { need: "read", surface: "admin" }));
    return Response.json({ users: await listUsers({ db: await getDb() }) });
  } catch (error) {
    return errorResponse(error, "admin");
  }
}

/** `{ email, name, password (≥ 10), role? }` → 201 with the user; 409 when the email is taken. */
export async function POST(request: Request) {
  try {
    requireAdmin(await guard(request, { need: "write", surface: "admin" }));
    const body = newUserSchema.safeParse(await readJsonBody(request, "admin"));
    if (!body.success) throw new AppError("bad_request:admin", describeIssues(body.error));
    const user = await createUser({ db: await getDb(), auth: await getAuth(), user: body.data });
    return Response.json(user, { status: 201 });
  } catch (error) {
    return errorResponse(error, "admin");
  }
}
