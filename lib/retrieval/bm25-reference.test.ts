import { describe, expect, it } from "vitest";
import { Bm25Index, luceneIdf, type AnalysedDocument } from "./bm25-reference";

const docs: AnalysedDocument[] = [
  { id: 1, terms: { cat: 2, sat: 1 } }, // dl 3
  {
    id: 2,
    terms: new Map([
      ["dog", 1],
      ["sat", 1],
      ["mat", 1],
      ["log", 2],
    ]),
  }, // dl 5
  { id: 3, terms: { cat: 1 } }, // dl 1
];

describe("Bm25Index", () => {
  const index = new Bm25Index(docs);

  it("uses Lucene idf ln(1 + (N - df + 0.5)/(df + 0.5))", () => {
    expect(luceneIdf(3, 2)).toBeCloseTo(Math.log(1 + 1.5 / 2.5), 15);
    expect(index.idf("cat")).toBeCloseTo(Math.log(1 + 1.5 / 2.5), 15);
    expect(index.idf("dog")).toBeCloseTo(Math.log(1 + 2.5 / 1.5), 15);
    expect(index.idf("unknown")).toBe(0);
    expect(index.avgdl).toBe(3);
  });

  it("scores by Okapi BM25 (k1 0.9, b 0.4 by default)", () => {
    const [k1, b, avgdl] = [0.9, 0.4, 3];
    const term = (idf: number, tf: number, dl: number) =>
      (idf * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * dl) / avgdl));
    const idfCat = Math.log(1 + 1.5 / 2.5);
    const idfSat = Math.log(1 + 1.5 / 2.5);
    const got = index.search(["cat", "sat", "cat"]);
    expect(got.map((r) => r.chunkId)).toEqual([1, 3, 2]);
    expect(got[0].score).toBeCloseTo(term(idfCat, 2, 3) + term(idfSat, 1, 3), 12);
    expect(got[1].score).toBeCloseTo(term(idfCat, 1, 1), 12);
    expect(got[2].score).toBeCloseTo(term(idfSat, 1, 5), 12);
  });

  it("takes k1 and b per call, a top-k and an id filter that leaves statistics alone", () => {
    const plain = index.search(["sat"], { k1: 1.2, b: 0.75 });
    const idf = Math.log(1 + 1.5 / 2.5);
    expect(plain[0].score).toBeCloseTo((idf * 2.2) / (1 + 1.2 * (0.25 + (0.75 * 3) / 3)), 12);
    expect(index.search(["cat", "sat"], { k: 1 }).map((r) => r.chunkId)).toEqual([1]);
    const filtered = index.search(["cat"], { ids: new Set([3]) });
    expect(filtered).toEqual([index.search(["cat"]).find((r) => r.chunkId === 3)]);
  });

  it("orders equal scores by id and returns nothing for unmatched queries", () => {
    const twins = new Bm25Index([
      { id: 9, terms: { a: 1 } },
      { id: 4, terms: { a: 1 } },
      { id: 5, terms: { b: 1 } },
    ]);
    expect(twins.search(["a"]).map((r) => r.chunkId)).toEqual([4, 9]);
    expect(twins.search(["zzz"])).toEqual([]);
    expect(new Bm25Index([]).search(["a"])).toEqual([]);
  });
});
