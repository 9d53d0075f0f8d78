import { getDb } from "@/db";
import { searchableDocumentIds } from "@/db/queries/access";
import { deleteConversation, getConversationById, updateConversation } from "@/db/queries/conversations";
import { guard } from "@/lib/auth/guard";
import { viewerOf } from "@/lib/auth/principal";
import { AppError, errorResponse } from "@/lib/errors";

import { readJson } from "../../search/schema";
import { conversationNotFound, conversationPatchSchema, parseBody } from "../schema";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

type Params = { params: Promise<{ id: string }> };

/** The conversation with its turns; only its owner may read it (anyone else: the same 404 as missing). */
export async function GET(request: Request, { params }: Params) {
  try {
    const principal = await guard(request, { need: "read", surface: "chat" });
    const { id } = await params;
    const conversation = await getConversationById({ db: await getDb(), id, userId: principal.userId });
    if (!conversation) throw conversationNotFound();
    return Response.json(conversation);
  } catch (error) {
    return errorResponse(error, "chat");
  }
}

/** Renames it and/or sets the documents its next question is limited to. */
export async function PATCH(request: Request, { params }: Params) {
  try {
    const principal = await guard(request, { need: "write", surface: "chat" });
    const { id } = await params;
    const body = parseBody(conversationPatchSchema, await readJson(request, "bad_request:chat"));
    const db = await getDb();
    if (body.documentIds && body.documentIds.length > 0) {
      const visible = await searchableDocumentIds({ db, viewer: viewerOf(principal), documentIds: body.documentIds });
      if ((visible?.length ?? 0) < new Set(body.documentIds).size) {
        throw new AppError("not_found:chat", "A document in documentIds does not exist.");
      }
    }
    if (!(await updateConversation({ db, id, userId: principal.userId, ...body }))) throw conversationNotFound();
    return Response.json(await getConversationById({ db, id, userId: principal.userId }));
  } catch (error) {
    return errorResponse(error, "chat");
  }
}

/** Deletes it with its turns (their runs stay, on the inspect pages). */
export async function DELETE(request: Request, { params }: Params) {
  try {
    const principal = await guard(request, { need: "write", surface: "chat" });
    const { id } = await params;
    if (!(await deleteConversation({ db: await getDb(), id, userId: principal.userId }))) throw conversationNotFound();
    return new Response(null, { status: 204 });
  } catch (error) {
    return errorResponse(error, "chat");
  }
}
