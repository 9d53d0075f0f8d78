// Tells the reranker worker(s) to load the model again after its head version changed (POST
// /admin/reload, with the worker token like every other worker route). A worker that is not running
// needs nothing: it loads the new model when it starts.

export interface WorkerReloadResult {
  url: string;
  ok: boolean;
  model?: { id: string; version: string };
  headVersion?: string;
  error?: string;
}

/**
 * One POST per worker in `url` (comma-separated, as RERANKER_URL); never throws. Nothing is sent when
 * reranking goes to a remote API (RERANKER_PROTOCOL other than ranklens): it serves its own model, and
 * the worker token must never reach it.
 */
export async function reloadRerankerWorkers(args: {
  url: string;
  token?: string;
  protocol?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}): Promise<WorkerReloadResult[]> {
  if (args.protocol !== undefined && args.protocol !== "ranklens") return [];
  const fetchImpl = args.fetch ?? fetch;
  const urls = args.url
    .split(",")
    .map((u) => u.trim().replace(/\/+$/, ""))
    .filter(Boolean);
  return Promise.all(
    urls.map(async (url): Promise<WorkerReloadResult> => {
      try {
        const res = await fetchImpl(`${url}/admin/reload`, {
          method: "POST",
          headers: args.token ? { authorization: `Bearer ${args.token}` } : {},
          signal: AbortSignal.timeout(args.timeoutMs ?? 60_000),
        });
        const body = (await res.json().catch(() => null)) as {
          model?: { id: string; version: string };
          headVersion?: string;
          error?: { message?: string };
        } | null;
        if (!res.ok) return { url, ok: false, error: `HTTP ${res.status}: ${body?.error?.message ?? res.statusText}` };
        return { url, ok: true, model: body?.model, headVersion: body?.headVersion };
      } catch (e) {
        return { url, ok: false, error: (e as Error).message };
      }
    }),
  );
}

/** Reloads the workers and prints one line per worker (CLI scripts), each prefixed with `tag`. */
export async function reloadRerankerWorkersAndReport(
  tag: string,
  args: Parameters<typeof reloadRerankerWorkers>[0],
  log: (line: string) => void = console.log,
): Promise<WorkerReloadResult[]> {
  const reloads = await reloadRerankerWorkers(args);
  if (reloads.length === 0) log(`${tag}: RERANKER_PROTOCOL=${args.protocol}: no RankLens worker to reload`);
  for (const r of reloads) {
    log(
      r.ok
        ? `${tag}: worker ${r.url} reloaded: ${r.model?.id}@${r.model?.version}`
        : `${tag}: worker ${r.url} not reloaded (${r.error}); a worker loads the active version when it starts`,
    );
  }
  return reloads;
}
