import { guard } from "@/lib/auth/guard";
import { requireAdmin } from "@/lib/auth/principal";
import { env } from "@/lib/env";
import { AppError, errorResponse } from "@/lib/errors";
import { readJsonBody } from "@/lib/http/read-json";
import { activateHeadVersion, rebuildReranker } from "@/lib/models/starter/activate";
import { getHeadVersion, headUnfitReason } from "@/lib/models/starter/head-versions";
import { reloadRerankerWorkers } from "@/lib/models/worker-reload";
import { describeIssues } from "../../../search/schema";
import { activeVersionSchema } from "./schema";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// One switch at a time: each rebuilds the same model file.
let queue: Promise<unknown> = Promise.resolve();

/**
 * `{ version }` (admin) → makes that reranker head version active (a roll back or forward), rebuilds the
 * model from it (~10 s) and tells the worker(s) to reload: `{ version, previous, model, workers }`.
 * 404 when the version is not installed; 409 when it was trained on another feature list than the graph's.
 */
export async function POST(request: Request) {
  try {
    requireAdmin(await guard(request, { need: "write", surface: "admin" }));
    const body = activeVersionSchema.safeParse(await readJsonBody(request, "admin"));
    if (!body.success) throw new AppError("bad_request:admin", describeIssues(body.error));
    const { version } = body.data;
    const found = await getHeadVersion(env.MODELS_DIR, version);
    if (!found) throw new AppError("not_found:admin", `reranker head version "${version}" is not installed`);
    const unfit = headUnfitReason(version, found.head);
    if (unfit) throw new AppError("conflict:admin", `cannot roll back: ${unfit}`);
    const run = queue.then(() => activateHeadVersion({ modelsDir: env.MODELS_DIR, version, rebuild: rebuildReranker }));
    queue = run.catch(() => undefined);
    const activated = await run.catch((e: unknown) => {
      throw new AppError("internal:admin", `could not rebuild the reranker model: ${(e as Error).message}`);
    });
    const workers = await reloadRerankerWorkers({
      url: env.RERANKER_URL,
      token: env.WORKER_TOKEN,
      protocol: env.RERANKER_PROTOCOL,
    });
    return Response.json({ ...activated, workers });
  } catch (error) {
    return errorResponse(error, "admin");
  }
}
