import path from "node:path";
import { z } from "zod";
import { createRemoteEmbedder } from "./remote-embedder";
import type { Embedder } from "./types";

// Where an embedder comes from, recorded with its vectors (embedders.source) so that a process can load
// the one serving queries while the corpus is re-embedded with the configured one. No secrets: a remote
// embedder's key comes from the environment at load time.

export const embedderSourceSchema = z.discriminatedUnion("kind", [
  /** The offline starter embedder in MODELS_DIR. */
  z.object({ kind: z.literal("starter") }),
  /** A Hugging Face ONNX export: a folder name in MODELS_DIR, or an absolute path. */
  z.object({ kind: z.literal("hf"), dir: z.string().min(1) }),
  /** An OpenAI-compatible embeddings API. */
  z.object({
    kind: z.literal("remote"),
    url: z.string().min(1),
    model: z.string().min(1),
    dimension: z.number().int().min(1),
    queryPrefix: z.string().default(""),
    passagePrefix: z.string().default(""),
  }),
]);

export type EmbedderSource = z.output<typeof embedderSourceSchema>;

/** What loading needs besides the source: the environment's part (lib/models/server.ts passes env). */
export interface EmbedderLoadContext {
  modelsDir: string;
  apiKey?: string;
  timeoutMs?: number;
}

export function embedderLoadContext(settings: {
  MODELS_DIR: string;
  EMBEDDER_API_KEY?: string;
  EMBEDDER_TIMEOUT_MS?: number;
}): EmbedderLoadContext {
  return { modelsDir: settings.MODELS_DIR, apiKey: settings.EMBEDDER_API_KEY, timeoutMs: settings.EMBEDDER_TIMEOUT_MS };
}

/** The embedder the settings choose: EMBEDDER_URL, else EMBEDDER_MODEL_DIR, else the starter. */
export function configuredEmbedderSource(settings: {
  EMBEDDER_URL?: string;
  EMBEDDER_MODEL?: string;
  EMBEDDER_DIMENSION?: number;
  EMBEDDER_QUERY_PREFIX: string;
  EMBEDDER_PASSAGE_PREFIX: string;
  EMBEDDER_MODEL_DIR?: string;
}): EmbedderSource {
  if (settings.EMBEDDER_URL && settings.EMBEDDER_MODEL) {
    return {
      kind: "remote",
      url: settings.EMBEDDER_URL,
      model: settings.EMBEDDER_MODEL,
      dimension: settings.EMBEDDER_DIMENSION ?? STARTER_DIMENSION,
      queryPrefix: settings.EMBEDDER_QUERY_PREFIX,
      passagePrefix: settings.EMBEDDER_PASSAGE_PREFIX,
    };
  }
  if (settings.EMBEDDER_MODEL_DIR) return { kind: "hf", dir: settings.EMBEDDER_MODEL_DIR };
  return { kind: "starter" };
}

// A remote model's size when EMBEDDER_DIMENSION is unset (the starter's, as before sizes could differ).
const STARTER_DIMENSION = 100;

export function hfModelDir(source: { dir: string }, modelsDir: string): string {
  return path.isAbsolute(source.dir) ? source.dir : path.resolve(modelsDir, source.dir);
}

export async function loadEmbedderSource(source: EmbedderSource, ctx: EmbedderLoadContext): Promise<Embedder> {
  switch (source.kind) {
    case "starter": {
      const { loadStarterEmbedder } = await import("./starter/embedder");
      return loadStarterEmbedder(ctx.modelsDir).catch((e: Error) => {
        throw new Error(
          `could not load the starter embedder from ${ctx.modelsDir} (run \`npm run models:build\`): ${e.message}`,
        );
      });
    }
    case "hf": {
      const dir = hfModelDir(source, ctx.modelsDir);
      const { loadHfEmbedder } = await import("./hf/embedder");
      return loadHfEmbedder(dir).catch((e: Error) => {
        throw new Error(`could not load the embedder in ${dir}: ${e.message}`);
      });
    }
    case "remote":
      return createRemoteEmbedder({ ...source, apiKey: ctx.apiKey, timeoutMs: ctx.timeoutMs });
  }
}

/** A short human name for the UI and logs. */
export function describeEmbedderSource(source: EmbedderSource): string {
  switch (source.kind) {
    case "starter":
      return "starter (models/sif-glove-100d)";
    case "hf":
      return `Hugging Face ONNX (${source.dir})`;
    case "remote":
      return `remote ${source.model} (EMBEDDER_URL)`;
  }
}
