import * as ort from "onnxruntime-node";

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

export { ort };
