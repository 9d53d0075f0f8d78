import type { UIMessage } from "ai";

import type { SearchResultRow } from "@/lib/retrieval/search";

import type { Citation } from "./types";

export type { Citation } from "./types";

/** How the answer text was produced. */
export type AnswerMode = "llm" | "extractive" | "llm-fallback" | "not-found";

/** `data-run`: sent before the answer text, so the page can show both rankings while the answer streams. */
export interface RunDataPart {
  runId: string;
  reranked: boolean;
  rerankSkippedReason?: string;
  /** All k candidates in final order; fusedRank/rerankRank give the pre- and post-rerank rankings. */
  results: SearchResultRow[];
}

export type RankLensDataParts = {
  run: RunDataPart;
  /** `data-citations`: sent after the answer text; one entry per [n] the text uses. */
  citations: Citation[];
};

export interface RankLensMessageMetadata {
  runId?: string;
  answerMode?: AnswerMode;
  /** Why the language model's answer was replaced by the extractive one. */
  fallbackReason?: string;
}

export type RankLensUIMessage = UIMessage<RankLensMessageMetadata, RankLensDataParts>;
