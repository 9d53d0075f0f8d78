import { readFile } from "node:fs/promises";
import path from "node:path";
import type { EmbedKind, Embedder, ModelInfo } from "../types";
import { openSession, ort } from "../onnx/session";
import { wordTokens } from "../word-tokens";
import { DIMENSION, EMBEDDER_DIR, MAX_EMBED_TOKENS, type ModelCard } from "./spec";
import { Vocabulary } from "./vocabulary";

const BATCH = 64;

/** Word ids of a text for the embedder; unknown words are dropped (their weight would be 0 anyway). */
export function embedderIds(vocab: Vocabulary, text: string): number[] {
  return wordTokens(text)
    .map((w) => vocab.id(w))
    .filter((id) => id > 0)
    .slice(0, MAX_EMBED_TOKENS);
}

/** Stands in for a text with no known word: a fixed unit vector, never the zero vector pgvector rejects for cosine. */
const NO_WORDS = Float32Array.from({ length: DIMENSION }, () => 1 / Math.sqrt(DIMENSION));

export async function loadStarterEmbedder(modelsDir: string, threads = 1): Promise<Embedder> {
  const dir = path.join(modelsDir, EMBEDDER_DIR);
  const card = JSON.parse(await readFile(path.join(dir, "model.json"), "utf8")) as ModelCard;
  const vocab = await Vocabulary.load(dir);
  const { session } = await openSession(path.join(dir, "model.onnx"), ["cpu"], threads);
  const info: ModelInfo = { id: card.id, version: card.version };

  async function embedBatch(texts: string[]): Promise<Float32Array[]> {
    const ids = texts.map((t) => embedderIds(vocab, t));
    const width = Math.max(1, ...ids.map((x) => x.length));
    const data = new Int32Array(texts.length * width);
    ids.forEach((row, b) => data.set(row, b * width));
    const out = await session.run({ input_ids: new ort.Tensor("int32", data, [texts.length, width]) });
    const flat = out.embedding.data as Float32Array;
    return ids.map((row, b) => (row.length === 0 ? NO_WORDS.slice() : flat.slice(b * DIMENSION, (b + 1) * DIMENSION)));
  }

  return {
    info,
    dimension: DIMENSION,
    covers: (text: string) => embedderIds(vocab, text).length > 0,
    // Symmetric model: queries and passages are embedded the same way.
    async embed(texts: string[], _options: { kind: EmbedKind }) {
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += BATCH) out.push(...(await embedBatch(texts.slice(i, i + BATCH))));
      return out;
    },
  };
}
