import "server-only";
import { EMBEDDING_DIM } from "@/db/schema/chunks";
import { env } from "@/lib/env";
import { createRemoteEmbedder, remoteEmbedderConfigError } from "./remote-embedder";
import { loadStarterEmbedder } from "./starter/embedder";
import type { Embedder } from "./types";

const globalForModels = globalThis as unknown as { ranklensEmbedder?: Promise<Embedder> };

/**
 * Throws when the configured embedder cannot serve this database (a remote one of another dimension
 * than the vector column). Called at server start (instrumentation.ts) and by getEmbedder.
 */
export function assertEmbedderConfig(): void {
  const error = remoteEmbedderConfigError(env, EMBEDDING_DIM);
  if (error) throw new Error(error);
}

/** The app's embedder, loaded once per process (and kept across dev-server reloads). */
export function getEmbedder(): Promise<Embedder> {
  globalForModels.ranklensEmbedder ??= loadEmbedder().catch((e: Error) => {
    globalForModels.ranklensEmbedder = undefined;
    throw e;
  });
  return globalForModels.ranklensEmbedder;
}

async function loadEmbedder(): Promise<Embedder> {
  assertEmbedderConfig();
  if (env.EMBEDDER_URL && env.EMBEDDER_MODEL) {
    return createRemoteEmbedder({
      url: env.EMBEDDER_URL,
      model: env.EMBEDDER_MODEL,
      apiKey: env.EMBEDDER_API_KEY,
      dimension: env.EMBEDDER_DIMENSION ?? EMBEDDING_DIM,
      queryPrefix: env.EMBEDDER_QUERY_PREFIX,
      passagePrefix: env.EMBEDDER_PASSAGE_PREFIX,
      timeoutMs: env.EMBEDDER_TIMEOUT_MS,
    });
  }
  return loadStarterEmbedder(env.MODELS_DIR).catch((e: Error) => {
    throw new Error(`could not load the embedder from ${env.MODELS_DIR} (run \`npm run models:build\`): ${e.message}`);
  });
}
