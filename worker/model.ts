import path from "node:path";
import type { DeviceReport, ExecutionProvider } from "@/lib/models/device";
import { readInstalledModel, rerankerModelDir } from "@/lib/models/registry";
import { loadStarterReranker } from "@/lib/models/starter";
import { RERANKER_DIR } from "@/lib/models/starter/spec";
import type { LoadedReranker } from "./types";

// The worker's reranker, chosen by configuration: the folder RERANKER_MODEL_DIR names (a Hugging Face
// cross-encoder or the starter model), else the starter KNRM reranker; opened on the execution provider
// selectDevice picked.

export interface WorkerModelSettings {
  MODELS_DIR: string;
  RERANKER_MODEL_DIR?: string;
  /** onnxruntime intra-op threads; undefined lets onnxruntime choose. */
  threads?: number;
}

export async function loadWorkerReranker(settings: WorkerModelSettings, device: DeviceReport): Promise<LoadedReranker> {
  const chosen = device.executionProvider;
  // Under auto a model that the probe's provider cannot run (an operator it lacks) still loads on the CPU.
  const executionProviders: ExecutionProvider[] =
    device.requested === "auto" && chosen !== "cpu" ? [chosen, "cpu"] : [chosen];
  const opts = { executionProviders, threads: settings.threads };
  const loaded = await load(settings, opts);
  const report =
    loaded.executionProvider === chosen
      ? device
      : {
          ...device,
          executionProvider: loaded.executionProvider as ExecutionProvider,
          attempts: [
            ...device.attempts.map((a) =>
              a.provider === chosen
                ? { ...a, ok: false, reason: "ran the probe graph but could not open the model" }
                : a,
            ),
            { provider: loaded.executionProvider as ExecutionProvider, ok: true, reason: "opened (fallback)" },
          ],
        };
  return Object.assign(loaded, { device: report });
}

async function load(
  settings: WorkerModelSettings,
  opts: { executionProviders: string[]; threads?: number },
): Promise<LoadedReranker> {
  if (!settings.RERANKER_MODEL_DIR) return loadStarterReranker(settings.MODELS_DIR, opts);
  const dir = rerankerModelDir({ MODELS_DIR: settings.MODELS_DIR, RERANKER_MODEL_DIR: settings.RERANKER_MODEL_DIR });
  const where = `RERANKER_MODEL_DIR=${settings.RERANKER_MODEL_DIR} (${dir})`;
  const installed = await readInstalledModel(dir).catch((e: NodeJS.ErrnoException) => {
    throw new Error(`${where}: ${e.message}`);
  });
  if (!installed) {
    throw new Error(
      `${where} is not a model folder (no model.json, manifest.json or config.json); see npm run models:list`,
    );
  }
  if (installed.kind !== "reranker") throw new Error(`${where} holds an ${installed.kind}, not a reranker`);
  if (installed.format === "starter") {
    // The starter loader finds its folder by name under the models folder.
    if (path.basename(dir) !== RERANKER_DIR)
      throw new Error(`${where}: a starter reranker must sit in a folder named ${RERANKER_DIR}`);
    return loadStarterReranker(path.dirname(dir), opts);
  }
  const { loadHfCrossEncoder } = await import("@/lib/models/hf/cross-encoder");
  return loadHfCrossEncoder(dir, installed.manifest, opts);
}
