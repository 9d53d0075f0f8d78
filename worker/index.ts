import { env } from "@/lib/env";
import { loadStarterReranker } from "@/lib/models/starter";
import { exposureError } from "./auth";
import { createWorkerServer } from "./server";

// The reranker worker process: `npm run worker`. Listens at once (so /health/live answers while the
// model loads), becomes ready after the model is loaded and warmed up. It logs its state, never query
// or passage texts.

// Refuse an exposed address without a token before loading anything.
const refused = exposureError(env.WORKER_HOST, env.WORKER_TOKEN);
if (refused) {
  console.error(refused);
  process.exit(1);
}

const started = performance.now();
const loadModel = () =>
  loadStarterReranker(env.MODELS_DIR, {
    executionProviders: env.RERANKER_EXECUTION_PROVIDERS,
    threads: env.RERANKER_THREADS || undefined,
  });
const worker = createWorkerServer({
  reranker: loadModel(),
  // POST /admin/reload (worker token required when set): picks up a new reranker head version
  // (npm run models:rollback, train:reranker, the eval page) without a restart.
  reload: loadModel,
  maxBodyBytes: env.WORKER_MAX_BODY_BYTES,
  maxCandidates: env.RERANK_MAX_CANDIDATES,
  batch: {
    batchTokens: env.RERANK_BATCH_TOKENS,
    maxWaitMs: env.RERANK_MAX_WAIT_MS,
    queueLimit: env.RERANK_QUEUE_LIMIT,
  },
  token: env.WORKER_TOKEN,
});
const { url } = await worker.listen({ port: env.WORKER_PORT, host: env.WORKER_HOST });

worker.ready.then(
  (reranker) => {
    const ms = Math.round(performance.now() - started);
    console.log(
      `reranker worker ready at ${url} — model ${reranker.info.id}@${reranker.info.version} (head ${reranker.headVersion ?? "-"}), execution provider ${reranker.executionProvider}, loaded in ${ms} ms, ${env.WORKER_TOKEN ? "token required" : "no token (loopback only)"}`,
    );
  },
  (error: unknown) => {
    console.error(
      `reranker worker at ${url} could not load its model from ${env.MODELS_DIR}:`,
      error instanceof Error ? error.message : error,
    );
    console.error("Build the starter models with `npm run models:build`.");
    void worker.close({ timeoutMs: 1000 }).finally(() => process.exit(1));
  },
);

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    worker.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
