import { guard } from "@/lib/auth/guard";
import { env } from "@/lib/env";
import { errorResponse } from "@/lib/errors";
import { readRerankerCard } from "@/lib/models/starter/activate";
import { listHeadVersions } from "@/lib/models/starter/head-versions";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * The reranker head versions: `{ active, model, versions, canManage }`. `active` is the active version
 * (with its training metrics), `model` the model built on disk (its head version shows whether a
 * rebuild is pending). Admins get every version, newest first (`npm run train:reranker` installs them);
 * other users only the active one.
 */
export async function GET(request: Request) {
  try {
    const principal = await guard(request, { need: "read", surface: "eval" });
    const [versions, card] = await Promise.all([listHeadVersions(env.MODELS_DIR), readRerankerCard(env.MODELS_DIR)]);
    const active = versions.find((v) => v.active) ?? null;
    const admin = principal.role === "admin";
    return Response.json({
      active,
      model: card ? { id: card.id, version: card.version, headVersion: card.headVersion ?? "builtin" } : null,
      versions: admin ? versions : active ? [active] : [],
      canManage: admin,
    });
  } catch (error) {
    return errorResponse(error, "eval");
  }
}
