import { guard } from "@/lib/auth/guard";
import { errorResponse } from "@/lib/errors";
import { getEmbedderSet } from "@/lib/models/server";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * The embedders: `{ active, target, denseUnavailable }` (lib/models/embedder-set.ts EmbedderStatus).
 * `active` serves queries; `target` is the configured embedder while the corpus is re-embedded with it
 * (`embedded` of `total` chunks, `running` while a process holds the job); `denseUnavailable` says why
 * dense retrieval is off, if it is.
 */
export async function GET(request: Request) {
  try {
    await guard(request, { need: "read", surface: "api" });
    return Response.json(await getEmbedderSet().status());
  } catch (error) {
    return errorResponse(error, "api");
  }
}
