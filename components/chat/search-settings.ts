import type { Fusion } from "@/components/api-types";

export type FusionPreset = "minmax" | "nvidia" | "custom";

export interface SearchSettings {
  k: number;
  topN: number;
  preset: FusionPreset;
  custom: { method: "rrf" | "minmax"; bm25: number; vector: number; c: number };
  rerank: boolean;
}

// Mirrors the server defaults (lib/retrieval/fusion.ts DEFAULT_FUSION, k 45, topN 5).
export const DEFAULT_SETTINGS: SearchSettings = {
  k: 45,
  topN: 5,
  preset: "minmax",
  custom: { method: "rrf", bm25: 0.5, vector: 0.5, c: 60 },
  rerank: true,
};

export function fusionOf(settings: SearchSettings): Fusion {
  switch (settings.preset) {
    case "nvidia":
      return "nvidia";
    case "minmax":
      return { method: "minmax", weights: { bm25: 0.8, vector: 0.2 } };
    case "custom": {
      const { method, bm25, vector, c } = settings.custom;
      return method === "rrf" ? { method, weights: { bm25, vector }, c } : { method, weights: { bm25, vector } };
    }
  }
}

/** The search parameters sent with each chat request. */
export function requestParams(settings: SearchSettings) {
  // The API rejects topN > k; clamp rather than fail the question.
  return {
    k: settings.k,
    topN: Math.min(settings.topN, settings.k),
    fusion: fusionOf(settings),
    rerank: settings.rerank,
  };
}

export function isDefault(settings: SearchSettings): boolean {
  return JSON.stringify(requestParams(settings)) === JSON.stringify(requestParams(DEFAULT_SETTINGS));
}
