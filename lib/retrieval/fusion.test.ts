import { describe, expect, it } from "vitest";
import { DEFAULT_FUSION, fuse, fusionSchema, type Ranked } from "./fusion";

const bm25: Ranked[] = [
  { chunkId: 10, score: 9 },
  { chunkId: 20, score: 5 },
  { chunkId: 30, score: 1 },
];
const vector: Ranked[] = [
  { chunkId: 20, score: 0.9 },
  { chunkId: 40, score: 0.7 },
  { chunkId: 10, score: 0.5 },
];

const byId = (xs: ReturnType<typeof fuse>) => new Map(xs.map((x) => [x.chunkId, x]));

describe("fuse: rrf", () => {
  it("scores Σ wᵢ/(c + rankᵢ) with ranks from 1", () => {
    const out = byId(fuse({ bm25, vector, fusion: { method: "rrf", weights: { bm25: 1, vector: 2 }, c: 10 } }));
    expect(out.get(10)!.fusedScore).toBeCloseTo(1 / 11 + 2 / 13, 12);
    expect(out.get(20)!.fusedScore).toBeCloseTo(1 / 12 + 2 / 11, 12);
    expect(out.get(30)!.fusedScore).toBeCloseTo(1 / 13, 12);
    expect(out.get(40)!.fusedScore).toBeCloseTo(2 / 12, 12);
  });

  it("defaults c to 60", () => {
    const out = byId(fuse({ bm25, vector, fusion: { method: "rrf", weights: { bm25: 1, vector: 1 } } }));
    expect(out.get(30)!.fusedScore).toBeCloseTo(1 / 63, 12);
  });

  it("nvidia preset is rrf 0.4 / 0.6 with c = 60", () => {
    const a = fuse({ bm25, vector, fusion: "nvidia" });
    const b = fuse({ bm25, vector, fusion: { method: "rrf", weights: { bm25: 0.4, vector: 0.6 }, c: 60 } });
    expect(a).toEqual(b);
    expect(byId(a).get(20)!.fusedScore).toBeCloseTo(0.4 / 62 + 0.6 / 61, 12);
    expect(a.map((x) => x.chunkId)).toEqual([20, 10, 40, 30]);
  });
});

describe("fuse: minmax", () => {
  it("normalises each list over itself and sums weighted", () => {
    const out = byId(fuse({ bm25, vector, fusion: { method: "minmax", weights: { bm25: 0.8, vector: 0.2 } } }));
    // bm25: 9 → 1, 5 → 0.5, 1 → 0; vector: 0.9 → 1, 0.7 → 0.5, 0.5 → 0
    expect(out.get(10)!.fusedScore).toBeCloseTo(0.8 * 1 + 0.2 * 0, 12);
    expect(out.get(20)!.fusedScore).toBeCloseTo(0.8 * 0.5 + 0.2 * 1, 12);
    expect(out.get(30)!.fusedScore).toBeCloseTo(0, 12);
    expect(out.get(40)!.fusedScore).toBeCloseTo(0.2 * 0.5, 12);
  });

  it("a list whose scores are all equal normalises to 1", () => {
    const out = fuse({
      bm25: [
        { chunkId: 1, score: 3 },
        { chunkId: 2, score: 3 },
      ],
      vector: [{ chunkId: 3, score: 0.1 }],
      fusion: { method: "minmax", weights: { bm25: 0.5, vector: 0.25 } },
    });
    expect(out.map((x) => [x.chunkId, x.fusedScore])).toEqual([
      [1, 0.5],
      [2, 0.5],
      [3, 0.25],
    ]);
  });

  it("DEFAULT_FUSION is min-max 0.9 / 0.1 (chosen by npm run tune)", () => {
    expect(DEFAULT_FUSION).toEqual({ method: "minmax", weights: { bm25: 0.9, vector: 0.1 } });
  });
});

describe("fuse: shape", () => {
  it("gives null rank and score for a list a candidate is missing from", () => {
    const out = byId(fuse({ bm25, vector, fusion: DEFAULT_FUSION }));
    expect(out.get(30)).toMatchObject({ bm25Rank: 3, bm25Score: 1, vectorRank: null, vectorScore: null });
    expect(out.get(40)).toMatchObject({ bm25Rank: null, bm25Score: null, vectorRank: 2, vectorScore: 0.7 });
    expect(out.get(10)).toMatchObject({ bm25Rank: 1, bm25Score: 9, vectorRank: 3, vectorScore: 0.5 });
  });

  it("ranks from 1 in fused order and breaks ties by chunk id ascending", () => {
    // 7 at bm25 rank 1 and 3 at vector rank 1 with equal weights: equal rrf scores.
    const out = fuse({
      bm25: [{ chunkId: 7, score: 2 }],
      vector: [{ chunkId: 3, score: 0.5 }],
      fusion: { method: "rrf", weights: { bm25: 1, vector: 1 } },
    });
    expect(out.map((x) => [x.chunkId, x.fusedRank])).toEqual([
      [3, 1],
      [7, 2],
    ]);
  });

  it("handles empty lists", () => {
    expect(fuse({ bm25: [], vector: [], fusion: "nvidia" })).toEqual([]);
    // One vector hit normalises to 1, so it scores the default's vector weight (0.1).
    expect(fuse({ bm25: [], vector: [{ chunkId: 1, score: 0.3 }], fusion: DEFAULT_FUSION })).toEqual([
      { chunkId: 1, bm25Rank: null, bm25Score: null, vectorRank: 1, vectorScore: 0.3, fusedRank: 1, fusedScore: 0.1 },
    ]);
  });
});

describe("fusionSchema", () => {
  it("accepts the three forms", () => {
    expect(fusionSchema.parse("nvidia")).toBe("nvidia");
    expect(fusionSchema.parse({ method: "rrf", weights: { bm25: 1, vector: 1 }, c: 20 })).toEqual({
      method: "rrf",
      weights: { bm25: 1, vector: 1 },
      c: 20,
    });
    expect(fusionSchema.parse(DEFAULT_FUSION)).toEqual(DEFAULT_FUSION);
  });

  it("rejects unknown methods and negative weights", () => {
    expect(fusionSchema.safeParse("borda").success).toBe(false);
    expect(fusionSchema.safeParse({ method: "minmax", weights: { bm25: -1, vector: 1 } }).success).toBe(false);
    expect(fusionSchema.safeParse({ method: "rrf", weights: { bm25: 1 } }).success).toBe(false);
  });
});
