import { env } from "@/lib/env";
import { log } from "@/lib/log";
import { startTelemetry } from "@/lib/telemetry/start";
import { deviceLogFields } from "@/lib/models/device";
import { selectDevice } from "@/lib/models/onnx/session";
import { exposureError } from "./auth";
import { loadWorkerReranker } from "./model";
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
// Traces when an OTLP endpoint is configured (spans continue the app's trace from its traceparent).
const telemetry = await startTelemetry({ suffix: "-worker" });
// Chosen once; a reload opens the new model on the same provider.
const device = selectDevice(env.RERANKER_DEVICE, {
  vkDriverFiles: env.VK_DRIVER_FILES ?? env.VK_ICD_FILENAMES,
  ldLibraryPath: env.LD_LIBRARY_PATH,
});
const loadModel = async () =>
  loadWorkerReranker(
    { MODELS_DIR: env.MODELS_DIR, RERANKER_MODEL_DIR: env.RERANKER_MODEL_DIR, threads: env.RERANKER_THREADS || undefined },
    await device,
  );
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
    log.info("reranker worker ready", {
      url,
      model: `${reranker.info.id}@${reranker.info.version}`,
      head: reranker.headVersion ?? null,
      executionProvider: reranker.executionProvider,
      loadMs: ms,
      auth: env.WORKER_TOKEN ? "token required" : "no token (loopback only)",
      tracing: telemetry ? "on" : "off",
    });
    if (reranker.device) log.info(`execution provider ${reranker.device.executionProvider}`, deviceLogFields(reranker.device));
  },
  (error: unknown) => {
    log.error("reranker worker could not load its model", {
      url,
      dir: env.RERANKER_MODEL_DIR ?? env.MODELS_DIR,
      error: error instanceof Error ? error.message : String(error),
      hint: env.RERANKER_MODEL_DIR
        ? "See `npm run models:list` for the installed model folders."
        : "Build the starter models with `npm run models:build`.",
    });
    void worker.close({ timeoutMs: 1000 }).finally(() => process.exit(1));
  },
);

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    // The last spans go out before the process ends.
    worker
      .close()
      .then(() => telemetry?.shutdown())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  });
}
