import type { Reranker } from "@/lib/models/types";

/** A reranker that is loaded and can be warmed up (lib/models/starter's loadStarterReranker returns one). */
export type LoadedReranker = Reranker & { executionProvider: string; warmUp(): Promise<void> };
