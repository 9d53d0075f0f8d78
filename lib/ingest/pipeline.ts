import type { Embedder } from "@/lib/models/types";
import { chunkText, type Chunk, type ChunkOptions } from "./chunker";
import { extractDocument } from "./parse";

// The pure ingest pipeline: bytes → text → chunks → embeddings. No database, no runner, so scripts
// (eval) reuse it as is.

export type IngestStage = "parse" | "chunk" | "embed" | "store";

export interface IngestProgress {
  stage: IngestStage;
  done: number;
  total: number;
}

export interface IngestedChunk extends Chunk {
  embedding: Float32Array;
  /** With `moreEmbedders`: this chunk's vector from each of them, in their order. */
  moreEmbeddings?: Float32Array[];
}

/** Wall time spent in each stage of one document (the write stage belongs to the caller). */
export interface IngestTimings {
  parseMs: number;
  chunkMs: number;
  embedMs: number;
}

export interface IngestedDocument {
  text: string;
  chunks: IngestedChunk[];
  timings: IngestTimings;
}

export const EMBED_BATCH_SIZE = 32;

export async function ingestDocument({
  name,
  type,
  bytes,
  chunking,
  embedder,
  moreEmbedders = [],
  onProgress,
  batchSize = EMBED_BATCH_SIZE,
}: {
  name: string;
  type: string;
  bytes: Uint8Array;
  chunking: ChunkOptions;
  embedder: Embedder;
  /** Also embed with these (during an embedder switch, the old and the new one). */
  moreEmbedders?: Embedder[];
  onProgress?: (progress: IngestProgress) => void | Promise<void>;
  batchSize?: number;
}): Promise<IngestedDocument> {
  const report = async (p: IngestProgress) => {
    if (onProgress) await onProgress(p);
  };

  const timings: IngestTimings = { parseMs: 0, chunkMs: 0, embedMs: 0 };
  await report({ stage: "parse", done: 0, total: 1 });
  let t = performance.now();
  const { text } = await extractDocument({ name, type, bytes });
  timings.parseMs = performance.now() - t;

  await report({ stage: "chunk", done: 0, total: 1 });
  t = performance.now();
  const chunks = chunkText(text, chunking);
  timings.chunkMs = performance.now() - t;

  const models = [embedder, ...moreEmbedders];
  const vectors: Float32Array[][] = models.map(() => []);
  const total = chunks.length * models.length;
  await report({ stage: "embed", done: 0, total });
  for (const [m, model] of models.entries()) {
    for (let i = 0; i < chunks.length; i += batchSize) {
      const batch = chunks.slice(i, i + batchSize);
      t = performance.now();
      const out = await model.embed(
        batch.map((c) => c.text),
        { kind: "passage" },
      );
      timings.embedMs += performance.now() - t;
      if (out.length !== batch.length) {
        throw new Error(`embedder returned ${out.length} vectors for ${batch.length} passages`);
      }
      vectors[m].push(...out);
      await report({ stage: "embed", done: m * chunks.length + vectors[m].length, total });
    }
  }
  const embedded: IngestedChunk[] = chunks.map((chunk, j) => ({
    ...chunk,
    embedding: vectors[0][j],
    ...(moreEmbedders.length > 0 ? { moreEmbeddings: vectors.slice(1).map((v) => v[j]) } : {}),
  }));
  return { text, chunks: embedded, timings };
}
