import "server-only";
import { getDb } from "@/db";
import { env } from "@/lib/env";
import { configuredEmbedderSource, embedderLoadContext, loadEmbedderSource } from "./embedder-source";
import { embedderSetFor, type EmbedderSet } from "./embedder-set";
import type { Embedder } from "./types";

// The app's embedders: the configured one (EMBEDDER_URL, else EMBEDDER_MODEL_DIR, else the starter) and,
// while the corpus is re-embedded with it, the one whose vectors still serve. Kept on globalThis across
// dev-server reloads and shared by instrumentation.ts and the route handlers.

const globalForModels = globalThis as unknown as {
  ranklensEmbedder?: Promise<Embedder>;
  ranklensEmbedderSet?: EmbedderSet;
};

/** The configured embedder, loaded once per process. */
export function getEmbedder(): Promise<Embedder> {
  globalForModels.ranklensEmbedder ??= loadEmbedderSource(
    configuredEmbedderSource(env),
    embedderLoadContext(env),
  ).catch((e: Error) => {
    globalForModels.ranklensEmbedder = undefined;
    throw e;
  });
  return globalForModels.ranklensEmbedder;
}

/** Which embedder serves, which is being built, and the models for each (lib/models/embedder-set.ts). */
export function getEmbedderSet(): EmbedderSet {
  globalForModels.ranklensEmbedderSet ??= embedderSetFor(getDb, env, getEmbedder);
  return globalForModels.ranklensEmbedderSet;
}

/** The embedder for queries: bound to the vectors that serve, or marked unavailable with the reason. */
export const getServingEmbedder = (): Promise<Embedder> => getEmbedderSet().serving();
