import "server-only";
import { env } from "@/lib/env";
import { loadStarterEmbedder } from "./starter/embedder";
import type { Embedder } from "./types";

const globalForModels = globalThis as unknown as { ranklensEmbedder?: Promise<Embedder> };

/** The app's embedder, loaded once per process (and kept across dev-server reloads). */
export function getEmbedder(): Promise<Embedder> {
  globalForModels.ranklensEmbedder ??= loadStarterEmbedder(env.MODELS_DIR).catch((e: Error) => {
    globalForModels.ranklensEmbedder = undefined;
    throw new Error(`could not load the embedder from ${env.MODELS_DIR} (run \`npm run models:build\`): ${e.message}`);
  });
  return globalForModels.ranklensEmbedder;
}
