import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { parseReplayMode, parseReplayRequest } from "./schema";

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
    expect(e.message).toMatch(/may change k, topN, fusion, rerank, mode and corrective/);
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

describe("parseReplayMode", () => {
  const defaults = { maxRounds: 2, threshold: 0.5, minRelevant: 2 };
  const corrective = {
    params: {
      ...original.params,
      mode: "corrective",
      corrective: { maxRounds: 3, threshold: 0.4, minRelevant: 1, rounds: [{ round: 1 }], stopReason: "max_rounds" },
    } as typeof original.params,
  };
  it("keeps the original's mode and loop settings unless told otherwise", () => {
    expect(parseReplayMode({}, original, defaults)).toEqual({ mode: "single" });
    expect(parseReplayMode({}, corrective, defaults)).toEqual({
      mode: "corrective",
      corrective: { maxRounds: 3, threshold: 0.4, minRelevant: 1 },
    });
    expect(parseReplayMode({ corrective: { threshold: 0.8 } }, corrective, defaults)).toEqual({
      mode: "corrective",
      corrective: { maxRounds: 3, threshold: 0.8, minRelevant: 1 },
    });
    expect(parseReplayMode({ mode: "single" }, corrective, defaults)).toEqual({ mode: "single" });
    expect(parseReplayMode({ mode: "corrective" }, original, defaults)).toEqual({
      mode: "corrective",
      corrective: defaults,
    });
  });
  it("names the wrong field", () => {
    const message = (body: unknown) => {
      try {
        parseReplayMode(body, original, defaults);
      } catch (error) {
        expect(error).toBeInstanceOf(AppError);
        return (error as AppError).message;
      }
      throw new Error("expected a 400");
    };
    expect(message({ mode: 1 })).toMatch(/^mode: /);
    expect(message({ mode: "corrective", corrective: { minRelevant: 0 } })).toMatch(/^corrective\.minRelevant: /);
    expect(message({ corrective: { maxRounds: 2 } })).toMatch(/^corrective: applies only/);
  });
});
