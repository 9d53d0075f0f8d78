import { createRequire } from "node:module";
import path from "node:path";
import * as ort from "onnxruntime-node";
import {
  explainFailure,
  libraryDirs,
  planDevice,
  readDeviceFacts,
  type Device,
  type DeviceFacts,
  type DeviceReport,
  type ProviderAttempt,
} from "@/lib/models/device";
import { GraphBuilder } from "./graph";

export type LoadedSession = { session: ort.InferenceSession; executionProvider: string };

/**
 * Opens a model with the first execution provider that works, in order (e.g. cuda → webgpu → cpu).
 * onnxruntime-node without its CUDA binaries rejects "cuda" at session creation, so trying is the check.
 */
export async function openSession(
  model: string | Uint8Array,
  providers: string[] = ["cpu"],
  threads?: number,
): Promise<LoadedSession> {
  const errors: string[] = [];
  for (const ep of providers) {
    try {
      const options: ort.InferenceSession.SessionOptions = {
        executionProviders: [ep],
        graphOptimizationLevel: "all",
        ...(threads ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
      };
      const session =
        typeof model === "string"
          ? await ort.InferenceSession.create(model, options)
          : await ort.InferenceSession.create(model, options);
      return { session, executionProvider: ep };
    } catch (e) {
      errors.push(`${ep}: ${(e as Error).message.split("\n")[0]}`);
    }
  }
  throw new Error(`no execution provider could open the model (${errors.join("; ")})`);
}

/** onnxruntime-node's native binaries for this platform (where its CUDA provider library would be). */
export function onnxruntimeBinDir(): string {
  const entry = createRequire(import.meta.url).resolve("onnxruntime-node");
  return path.join(path.dirname(entry), "..", "bin", "napi-v6", process.platform, process.arch);
}

/** A two-node graph: a provider that runs it has a usable device (an adapter, a CUDA context). */
function probeGraph(): Uint8Array {
  const g = new GraphBuilder("device_probe");
  const x = g.input({ name: "x", type: "FLOAT", shape: [1, 4] });
  g.output({ name: "y", type: "FLOAT", shape: [1, 4] }, g.op("Add", [x, x]));
  return g.encode();
}

async function probe(provider: string, model: Uint8Array): Promise<void> {
  const session = await ort.InferenceSession.create(model, { executionProviders: [provider] });
  try {
    const out = await session.run({ x: new ort.Tensor("float32", Float32Array.from([1, 2, 3, 4]), [1, 4]) });
    const y = Array.from(out.y.data as Float32Array);
    if (y.join() !== "2,4,6,8") throw new Error(`the probe graph computed ${y.join()} instead of 2,4,6,8`);
  } finally {
    await session.release();
  }
}

/**
 * Picks the execution provider for RERANKER_DEVICE: the plan's providers in order (auto skips what
 * cannot work here), each tried on a probe graph; the first that runs it wins. An explicit device that
 * fails throws with the reason.
 */
export async function selectDevice(
  requested: Device,
  options: { facts?: DeviceFacts; vkDriverFiles?: string; ldLibraryPath?: string } = {},
): Promise<DeviceReport> {
  const facts =
    options.facts ??
    (await readDeviceFacts({
      vkDriverFiles: options.vkDriverFiles,
      libDirs: libraryDirs(options.ldLibraryPath),
      onnxruntimeBinDir: onnxruntimeBinDir(),
    }));
  const attempts: ProviderAttempt[] = [];
  const model = probeGraph();
  for (const step of planDevice(requested, facts)) {
    if (step.skip) {
      attempts.push({ provider: step.provider, ok: false, reason: step.skip });
      continue;
    }
    try {
      await probe(step.provider, model);
      attempts.push({ provider: step.provider, ok: true, reason: "opened" });
      return { requested, executionProvider: step.provider, attempts };
    } catch (e) {
      attempts.push({
        provider: step.provider,
        ok: false,
        reason: explainFailure(step.provider, (e as Error).message, facts),
      });
    }
  }
  const why = attempts.map((a) => `${a.provider}: ${a.reason}`).join("; ");
  throw new Error(`RERANKER_DEVICE=${requested}: no execution provider could run (${why})`);
}

export { ort };
