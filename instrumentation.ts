// Next.js calls register() once per server process. The ingest runner lives in the Node.js runtime
// only; the literal process.env.NEXT_RUNTIME check (not lib/env) lets Next drop this branch from the
// edge bundle, and the dynamic imports keep database and model code out of it.
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    // First, so the first request is covered: request ids (X-Request-Id), one log line per API request,
    // and OpenTelemetry traces when an OTLP endpoint is configured (nothing of it is loaded otherwise).
    const [{ startTelemetry }, { installHttpRequestHooks }, { log }] = await Promise.all([
      import("@/lib/telemetry/start"),
      import("@/lib/telemetry/http-hooks"),
      import("@/lib/log"),
    ]);
    await startTelemetry();
    installHttpRequestHooks({ log });
    const [{ startIngestRunner }, { getDb }, { getEmbedder, getEmbedderSet }, { startReembedRunner }] =
      await Promise.all([
        import("@/lib/ingest/runner"),
        import("@/db"),
        import("@/lib/models/server"),
        import("@/lib/models/reembed"),
      ]);
    // When the configured embedder is not the one whose vectors serve, the corpus is re-embedded in the
    // background; meanwhile new documents get vectors of both.
    const embedders = getEmbedderSet();
    startIngestRunner({ getDb, getEmbedder, getEmbedders: embedders.forIngest });
    startReembedRunner({ getDb, getTarget: embedders.target });
    // Golden-set quality monitoring on a timer (GOLDEN_EVAL_INTERVAL_MS; 0 = off).
    const [{ startGoldenSchedule }, { searchDependencies }, { env: appEnv }] = await Promise.all([
      import("@/lib/eval/golden-schedule"),
      import("@/lib/retrieval/server"),
      import("@/lib/env"),
    ]);
    startGoldenSchedule({ intervalMs: appEnv.GOLDEN_EVAL_INTERVAL_MS, getDeps: searchDependencies });
    // Accounts mode: create the first admin now (printing a generated password once), not on first request.
    const [{ resolveAuthMode }, { env }] = await Promise.all([import("@/lib/auth/mode"), import("@/lib/env")]);
    if (resolveAuthMode(env) === "accounts") {
      const { getAuth } = await import("@/lib/auth/server");
      await getAuth();
    }
  }
}
