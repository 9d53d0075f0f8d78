import { describe, expect, it } from "vitest";
import { EMBEDDER_ID, RERANKER_ID } from "./starter/spec";
import { MODEL_REGISTRY, recommendedModels } from "./registry";

describe("model registry", () => {
  it("lists the starter models under their served ids", () => {
    const starters = MODEL_REGISTRY.filter((m) => m.tier === "starter").map((m) => m.id);
    expect(starters).toEqual([EMBEDDER_ID, RERANKER_ID]);
  });
  it("recommends multilingual standard models for Japanese, an embedder and a reranker", () => {
    const ja = recommendedModels("ja");
    expect(ja.map((m) => m.id)).toEqual(
      expect.arrayContaining(["intfloat/multilingual-e5-small", "BAAI/bge-m3", "BAAI/bge-reranker-v2-m3"]),
    );
    expect(ja.every((m) => m.languages.includes("ja") && m.tier === "standard")).toBe(true);
    expect(ja[0].kind).toBe("embedder");
    expect(ja.at(-1)!.kind).toBe("reranker");
  });
});
