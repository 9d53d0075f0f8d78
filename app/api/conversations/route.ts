import { getDb } from "@/db";
import { listConversations } from "@/db/queries/conversations";
import { guard } from "@/lib/auth/guard";
import { errorResponse } from "@/lib/errors";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** The caller's saved conversations, most recently active first. */
export async function GET(request: Request) {
  try {
    const principal = await guard(request, { need: "read", surface: "chat" });
    const conversations = await listConversations({ db: await getDb(), userId: principal.userId });
    return Response.json({ conversations });
  } catch (error) {
    return errorResponse(error, "chat");
  }
}
