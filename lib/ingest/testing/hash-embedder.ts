import { EMBEDDING_DIM } from "@/db/schema/chunks";
import type { Embedder } from "@/lib/models/types";

/** A deterministic stand-in for the embedding model (tests, benchmarks): a normalised character histogram. */
export function hashEmbedding(text: string): Float32Array {
  const v = new Float32Array(EMBEDDING_DIM);
  for (let i = 0; i < text.length; i++) v[text.charCodeAt(i) % EMBEDDING_DIM] += 1;
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

/** hashEmbedding behind the Embedder interface, optionally slowed down per batch and observed. */
export function hashEmbedder({
  delayMs = 0,
  onBatch,
}: { delayMs?: number; onBatch?: (n: number) => void } = {}): Embedder {
  return {
    info: { id: "test-hash", version: "1" },
    dimension: EMBEDDING_DIM,
    async embed(texts) {
      onBatch?.(texts.length);
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      return texts.map(hashEmbedding);
    },
  };
}
