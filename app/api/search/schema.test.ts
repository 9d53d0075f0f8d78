import { describe, expect, it } from "vitest";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { DEFAULT_FUSION } from "@/lib/retrieval/fusion";
import { parseSearchRequest, SEARCH_PRESETS } from "./schema";

describe("POST /api/search presets", () => {
  it("selects the NVIDIA preset: weighted RRF 0.4 / 0.6, k = 45, top 5", () => {
    const p = parseSearchRequest({ query: "does vitamin d prevent fractures", preset: "nvidia" });
    expect(p).toEqual({ query: "does vitamin d prevent fractures", k: 45, topN: 5, fusion: "nvidia", rerank: true });
    expect(SEARCH_PRESETS.nvidia).toEqual({ k: 45, topN: 5, fusion: "nvidia" });
  });

  it("lets fields given beside the preset override it", () => {
    const p = parseSearchRequest({ query: "q", preset: "nvidia", k: 30, rerank: false });
    expect(p).toMatchObject({ k: 30, topN: 5, fusion: "nvidia", rerank: false });
  });

  it("uses the measured defaults without a preset", () => {
    const p = parseSearchRequest({ query: "q" });
    expect(p.k).toBe(env.RETRIEVAL_K);
    expect(p.fusion).toEqual(DEFAULT_FUSION);
    expect(p.topN).toBe(Math.min(env.RERANK_TOP_N, env.RETRIEVAL_K));
  });

  it("rejects an unknown preset with a 400 that names the field", () => {
    let error: unknown;
    try {
      parseSearchRequest({ query: "q", preset: "fastest" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBe(400);
    expect((error as AppError).message).toBe("preset: must be one of nvidia");
  });
});
