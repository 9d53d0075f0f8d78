import { EMBEDDING_DIM } from "@/db/schema/chunks";
import type { Embedder } from "@/lib/models/types";
import { wordTokens } from "@/lib/models/word-tokens";

/**
 * Test embedder: a hashed bag of words, unit-normalised, of the vector column's dimension — enough for
 * dense retrieval to prefer passages sharing the query's words, with no model files.
 */
export const hashedBowEmbedder: Embedder = {
  info: { id: "hashed-bow", version: "1" },
  dimension: EMBEDDING_DIM,
  async embed(texts) {
    return texts.map((text) => {
      const v = new Float32Array(EMBEDDING_DIM);
      for (const w of wordTokens(text)) {
        let h = 0;
        for (const ch of w) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
        v[h % EMBEDDING_DIM] += 1;
      }
      const norm = Math.hypot(...v) || 1;
      return v.map((x) => x / norm);
    });
  },
};
