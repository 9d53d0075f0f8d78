import { getDb } from "@/db";
import { guard } from "@/lib/auth/guard";
import { requireAdmin } from "@/lib/auth/principal";
import { countAdmins, deleteUser, getUser, setUserDisabled, setUserRole } from "@/lib/auth/users";
import { AppError, errorResponse } from "@/lib/errors";
import { readJsonBody } from "@/lib/http/read-json";
import { describeIssues } from "../../../search/schema";
import { userPatchSchema } from "../../schema";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

type Context = { params: Promise<{ id: string }> };
const notFound = () => new AppError("not_found:admin", "No such user.");

/** `{ disabled?, role? }`: disable (signed out everywhere, keys stop working) or re-enable; change role. */
export async function PATCH(request: Request, { params }: Context) {
  try {
    const principal = await guard(request, { need: "write", surface: "admin" });
    requireAdmin(principal);
    const { id } = await params;
    const body = userPatchSchema.safeParse(await readJsonBody(request, "admin"));
    if (!body.success) throw new AppError("bad_request:admin", describeIssues(body.error));
    const db = await getDb();
    const target = await getUser({ db, id });
    if (!target || target.id === "local") throw notFound();
    const demotes = body.data.disabled === true || body.data.role === "user";
    if (demotes && target.role === "admin" && !target.disabled && (await countAdmins({ db })) <= 1) {
      throw new AppError("conflict:admin", "This is the last active admin; make another admin first.");
    }
    if (body.data.disabled !== undefined) await setUserDisabled({ db, id, disabled: body.data.disabled });
    if (body.data.role !== undefined) await setUserRole({ db, id, role: body.data.role });
    return Response.json(await getUser({ db, id }));
  } catch (error) {
    return errorResponse(error, "admin");
  }
}

/** Deletes the user and everything of theirs (documents and every copy of their text, runs, keys). */
export async function DELETE(request: Request, { params }: Context) {
  try {
    const principal = await guard(request, { need: "write", surface: "admin" });
    requireAdmin(principal);
    const { id } = await params;
    if (id === principal.userId) throw new AppError("conflict:admin", "You cannot delete yourself.");
    const db = await getDb();
    const target = await getUser({ db, id });
    if (!target || target.id === "local") throw notFound();
    if (target.role === "admin" && !target.disabled && (await countAdmins({ db })) <= 1) {
      throw new AppError("conflict:admin", "This is the last active admin.");
    }
    await deleteUser({ db, id });
    return new Response(null, { status: 204 });
  } catch (error) {
    return errorResponse(error, "admin");
  }
}
