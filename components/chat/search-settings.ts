import type { Fusion } from "@/components/api-types";

export type FusionPreset = "minmax" | "nvidia" | "custom";

export interface SearchSettings {
  k: number;
  topN: number;
  preset: FusionPreset;
  custom: { method: "rrf" | "minmax"; bm25: number; vector: number; c: number };
  rerank: boolean;
  /** "corrective": grade the reranked passages and rewrite the query when they are weak (issue 11). */
  mode: "single" | "corrective";
}

// Mirrors the server defaults (lib/retrieval/fusion.ts DEFAULT_FUSION, lib/env.ts RETRIEVAL_K 30, topN 5).
export const DEFAULT_SETTINGS: SearchSettings = {
  k: 30,
  topN: 5,
  preset: "minmax",
  custom: { method: "rrf", bm25: 0.5, vector: 0.5, c: 60 },
  rerank: true,
  mode: "single",
};

export function fusionOf(settings: SearchSettings): Fusion {
  switch (settings.preset) {
    case "nvidia":
      return "nvidia";
    case "minmax":
      return { method: "minmax", weights: { bm25: 0.9, vector: 0.1 } };
    case "custom": {
      const { method, bm25, vector, c } = settings.custom;
      return method === "rrf" ? { method, weights: { bm25, vector }, c } : { method, weights: { bm25, vector } };
    }
  }
}

/**
 * The settings a change of fusion preset makes: the NVIDIA preset is its fusion with its k = 45 and
 * top_n = 5 (app/api/search/schema.ts SEARCH_PRESETS), the others change the fusion only.
 */
export function presetChange(preset: FusionPreset): Partial<SearchSettings> {
  return preset === "nvidia" ? { preset, k: 45, topN: 5 } : { preset };
}

/** The search parameters sent with each chat request. */
export function requestParams(settings: SearchSettings) {
  // The API rejects topN > k; clamp rather than fail the question.
  return {
    k: settings.k,
    topN: Math.min(settings.topN, settings.k),
    fusion: fusionOf(settings),
    rerank: settings.rerank,
    // Only when asked, so the default request stays the plain single pass.
    ...(settings.mode === "corrective" ? { mode: "corrective" as const } : {}),
  };
}

export function isDefault(settings: SearchSettings): boolean {
  return JSON.stringify(requestParams(settings)) === JSON.stringify(requestParams(DEFAULT_SETTINGS));
}
