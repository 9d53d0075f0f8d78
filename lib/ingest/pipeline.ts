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
}

export interface IngestedDocument {
  text: string;
  chunks: IngestedChunk[];
}

export const EMBED_BATCH_SIZE = 32;

export async function ingestDocument({
  name,
  type,
  bytes,
  chunking,
  embedder,
  onProgress,
  batchSize = EMBED_BATCH_SIZE,
}: {
  name: string;
  type: string;
  bytes: Uint8Array;
  chunking: ChunkOptions;
  embedder: Embedder;
  onProgress?: (progress: IngestProgress) => void | Promise<void>;
  batchSize?: number;
}): Promise<IngestedDocument> {
  const report = async (p: IngestProgress) => {
    if (onProgress) await onProgress(p);
  };

  await report({ stage: "parse", done: 0, total: 1 });
  const { text } = await extractDocument({ name, type, bytes });

  await report({ stage: "chunk", done: 0, total: 1 });
  const chunks = chunkText(text, chunking);

  const embedded: IngestedChunk[] = [];
  await report({ stage: "embed", done: 0, total: chunks.length });
  for (let i = 0; i < chunks.length; i += batchSize) {
    const batch = chunks.slice(i, i + batchSize);
    const vectors = await embedder.embed(
      batch.map((c) => c.text),
      { kind: "passage" },
    );
    if (vectors.length !== batch.length) {
      throw new Error(`embedder returned ${vectors.length} vectors for ${batch.length} passages`);
    }
    batch.forEach((chunk, j) => embedded.push({ ...chunk, embedding: vectors[j] }));
    await report({ stage: "embed", done: embedded.length, total: chunks.length });
  }
  return { text, chunks: embedded };
}
