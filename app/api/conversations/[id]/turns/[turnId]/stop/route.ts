import { getDb } from "@/db";
import { stopTurn } from "@/db/queries/conversations";
import { guard } from "@/lib/auth/guard";
import { AppError, errorResponse } from "@/lib/errors";

import { readJson } from "../../../../../search/schema";
import { parseBody, stopSchema } from "../../../../schema";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * The user pressed Stop after `chars` characters of this turn's answer had reached them: the saved answer
 * is cut there and marked stopped (the stream may have run on a little before the server saw the stop).
 */
export async function POST(request: Request, { params }: { params: Promise<{ id: string; turnId: string }> }) {
  try {
    const principal = await guard(request, { need: "read", surface: "chat" });
    const { id, turnId } = await params;
    const { chars } = parseBody(stopSchema, await readJson(request, "bad_request:chat"));
    const stopped = await stopTurn({ db: await getDb(), conversationId: id, turnId, userId: principal.userId, chars });
    if (!stopped) throw new AppError("not_found:chat", "No such answer in this conversation.");
    return new Response(null, { status: 204 });
  } catch (error) {
    return errorResponse(error, "chat");
  }
}
