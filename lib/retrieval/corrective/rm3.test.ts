import { describe, expect, it } from "vitest";

import { contentTerms, rm3Expand } from "./rm3";

// Expected weights worked out by hand from the formulas in rm3.ts.

describe("contentTerms", () => {
  it("drops English stop words and keeps content words", () => {
    expect(contentTerms("The cross encoders rerank the passages.")).toEqual([
      "cross",
      "encoders",
      "rerank",
      "passages",
    ]);
  });

  it("splits Japanese into words and drops particles and copulas", () => {
    expect(contentTerms("東京は日本の首都です。")).toEqual(["東京", "日本", "首都"]);
  });

  it("drops tokens without a letter", () => {
    expect(contentTerms("2024 12:30 roses")).toEqual(["roses"]);
  });
});

describe("rm3Expand", () => {
  it("weights terms by the passages' scores and interpolates with the query (English)", () => {
    // weights 0.75 / 0.25; P(w|R): rerank .3125, cross/encoders/passages .1875, latency .125;
    // top 3 = rerank, cross, encoders (ties alphabetical), sum .6875; λ = 0.5.
    const e = rm3Expand(
      "reranker speed",
      [
        { text: "The cross encoders rerank the passages.", score: 0.75 },
        { text: "rerank latency", score: 0.25 },
      ],
      { terms: 3, originalWeight: 0.5 },
    );
    const expected = [
      ["reranker", 0.25],
      ["speed", 0.25],
      ["rerank", (0.5 * 0.3125) / 0.6875],
      ["cross", (0.5 * 0.1875) / 0.6875],
      ["encoders", (0.5 * 0.1875) / 0.6875],
    ] as const;
    expect(e.model.map((t) => t.term)).toEqual(expected.map(([t]) => t));
    e.model.forEach((t, i) => expect(t.weight).toBeCloseTo(expected[i][1], 10));
    expect(e.model.reduce((s, t) => s + t.weight, 0)).toBeCloseTo(1, 10);
    expect(e.added.map((t) => t.term)).toEqual(["rerank", "cross", "encoders"]);
    expect(e.query).toBe("reranker speed rerank cross encoders");
  });

  it("expands Japanese queries with Japanese words", () => {
    // weights .75 / .25; P(w|R): 東京 .375, 日本 .25, 首都 .25, 人口 .125 (sum 1);
    // P'(w): 日本 = 首都 = .5·.5 + .5·.25 = .375, 東京 .1875, 人口 .0625.
    const e = rm3Expand("日本の首都", [
      { text: "東京は日本の首都です。", score: 0.6 },
      { text: "東京の人口", score: 0.2 },
    ]);
    expect(e.model.map((t) => [t.term, Number(t.weight.toFixed(6))])).toEqual([
      ["日本", 0.375],
      ["首都", 0.375],
      ["東京", 0.1875],
      ["人口", 0.0625],
    ]);
    expect(e.query).toBe("日本の首都 東京 人口");
  });

  it("weighs passages equally when every score is zero", () => {
    const e = rm3Expand("q", [
      { text: "alpha", score: 0 },
      { text: "beta", score: 0 },
    ]);
    expect(e.added).toEqual([
      { term: "alpha", weight: 0.25 },
      { term: "beta", weight: 0.25 },
    ]);
  });

  it("leaves the query unchanged when the passages add nothing new", () => {
    const e = rm3Expand("roses winter", [{ text: "Roses in the winter.", score: 0.9 }]);
    expect(e.added).toEqual([]);
    expect(e.query).toBe("roses winter");
  });

  it("gives the feedback model all the weight when the query is only stop words", () => {
    const e = rm3Expand("what is it", [{ text: "compost soil", score: 1 }]);
    expect(e.model).toEqual([
      { term: "compost", weight: 0.5 },
      { term: "soil", weight: 0.5 },
    ]);
  });
});
