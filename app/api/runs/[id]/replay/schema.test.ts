import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { parseReplayRequest } from "./schema";

const original = {
  query: "how do frost kilns work",
  params: {
    query: "how do frost kilns work",
    k: 45,
    topN: 5,
    fusion: { method: "minmax" as const, weights: { bm25: 0.8, vector: 0.2 } },
    rerank: true,
    documentIds: ["6f1c1c0e-8c1a-4c55-9a44-0f7e7f1f2b11"],
  },
};

const errorOf = (body: unknown) => {
  try {
    parseReplayRequest(body, original);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return { status: (error as AppError).status, message: (error as AppError).message };
  }
  throw new Error("expected a 400");
};

describe("parseReplayRequest", () => {
  it("keeps the original's query, documents and every setting left out", () => {
    expect(parseReplayRequest({}, original)).toEqual(original.params);
    expect(parseReplayRequest({ k: 10, rerank: false, fusion: "nvidia" }, original)).toEqual({
      ...original.params,
      k: 10,
      rerank: false,
      fusion: "nvidia",
    });
  });

  it("refuses fields a replay cannot change, naming them", () => {
    const e = errorOf({ query: "something else", k: 5 });
    expect(e.status).toBe(400);
    expect(e.message).toMatch(/query/);
    expect(e.message).toMatch(/may change k, topN, fusion and rerank/);
  });

  it("checks values as a search does, merged with the original", () => {
    expect(errorOf({ k: 0 }).message).toMatch(/^k: /);
    // The original topN (5) does not fit a k of 3.
    expect(errorOf({ k: 3 }).message).toBe("topN: topN must not exceed k");
    expect(errorOf({ fusion: { method: "rrf", weights: { bm25: -1, vector: 1 } } }).message).toMatch(/^fusion/);
    expect(errorOf({ rerank: "yes" }).message).toMatch(/^rerank: /);
    expect(errorOf([1]).status).toBe(400);
  });
});
