import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { compareOnFolds, decideInstall } from "./head-selection";
import { BUILTIN_VERSION, getActiveHeadVersion, listHeadVersions } from "./head-versions";
import { RERANKER_DIR, type RerankerHead } from "./spec";
import type { TrainingQuery } from "./train";
import { formatTrainingReport, trainAndInstall } from "./train-install";

// Synthetic queries where feature 1 marks the relevant candidate and feature 0 is noise; the first stage
// puts the relevant candidate last. A head weighting feature 1 is good, one weighting feature 0 is not.
function synthetic(n: number): TrainingQuery[] {
  let seed = 11;
  const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  return Array.from({ length: n }, (_, qi) => {
    const docs = Array.from({ length: 10 }, (_, i) => `q${qi}d${i}`);
    const features = new Float32Array(20);
    docs.forEach((_, i) => {
      features[i * 2] = rand();
      features[i * 2 + 1] = (i === 9 ? 1 : 0) + 0.3 * rand();
    });
    return { id: `q${qi}`, features, featureCount: 2, documentIds: docs, relevant: new Map([[docs[9], 1]]) };
  });
}
const linear = (weights: number[]): RerankerHead => ({
  featureNames: ["noise", "signal"],
  mean: [0, 0],
  std: [1, 1],
  weights,
  bias: 0,
  defaultIdf: 5,
  trainedOn: "test",
});

describe("install only if better on held-out folds", () => {
  it("compares both heads on the same folds", () => {
    const qs = synthetic(20);
    const folds = compareOnFolds(qs, linear([1, 0]), 4, { iterations: 100 });
    expect(folds.map((f) => f.queries)).toEqual([5, 5, 5, 5]);
    for (const f of folds) {
      expect(f.candidateNdcg10).toBeGreaterThan(0.9);
      expect(f.activeNdcg10).toBeLessThan(f.candidateNdcg10);
      expect(f.firstStageNdcg10).toBeCloseTo(1 / Math.log2(11));
    }
  });

  it("decides from query-weighted means, with the reason", () => {
    const fold = (fold: number, queries: number, candidate: number, active: number) => ({
      fold,
      queries,
      firstStageNdcg10: 0.5,
      candidateNdcg10: candidate,
      activeNdcg10: active,
    });
    // Fold means favour the candidate (0.65 vs 0.6), the query-weighted means do not (0.52 vs 0.6).
    const worse = decideInstall([fold(1, 1, 0.9, 0.6), fold(2, 9, 0.48, 0.6)], { activeVersion: "builtin" });
    expect(worse.install).toBe(false);
    expect(worse.meanCandidate).toBeCloseTo(0.522);
    expect(worse.reason).toMatch(/0\.5220 vs 0\.6000 .*builtin.*not better/);
    const better = decideInstall([fold(1, 5, 0.7, 0.6), fold(2, 5, 0.6, 0.62)], { activeVersion: "builtin" });
    expect(better).toMatchObject({ install: true, meanGain: expect.closeTo(0.15, 5) });
    expect(better.reason).toMatch(/better on 1 of 2 folds/);
    expect(decideInstall([fold(1, 5, 0.6, 0.6)], { activeVersion: "v" }).install).toBe(false); // a tie
    expect(decideInstall([fold(1, 5, 0.9, 0.6)], { activeVersion: "v", identical: true }).install).toBe(false);
  });

  describe("trainAndInstall", () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(path.join(tmpdir(), "train-install-"));
      await mkdir(path.join(dir, RERANKER_DIR), { recursive: true });
    });
    afterEach(() => rm(dir, { recursive: true, force: true }));
    const rebuild = async () => ({ id: "ranklens/knrm-glove-100d", version: "rebuilt" });
    const activeHead = (head: RerankerHead) =>
      writeFile(path.join(dir, RERANKER_DIR, "head.json"), JSON.stringify(head));

    it("does not install a head that is worse than the active one on held-out folds", async () => {
      await activeHead(linear([0, 1])); // ranks by the signal: perfect on every fold
      // No training steps: a flat head, which leaves the relevant candidate last (ties go by id).
      const result = await trainAndInstall({
        modelsDir: dir,
        dataset: "synthetic",
        queries: synthetic(20),
        idfs: [],
        folds: 4,
        trainedOn: "flat",
        train: { iterations: 0 },
        rebuild: async () => {
          throw new Error("a worse head must not be built");
        },
      });
      expect(result.decision.meanActive).toBeCloseTo(1);
      expect(result.decision.meanCandidate).toBeLessThan(0.5);
      expect(result.decision.install).toBe(false);
      expect(result.installed).toBeNull();
      expect(await getActiveHeadVersion(dir)).toBe(BUILTIN_VERSION);
      expect((await listHeadVersions(dir)).map((v) => v.version)).toEqual([BUILTIN_VERSION]);
      expect(formatTrainingReport(result)).toMatch(/decision: not installed, builtin stays active: .*not better/);
    });

    it("installs, activates and records metrics when the new head is better", async () => {
      await activeHead(linear([1, 0])); // ranks by noise
      const result = await trainAndInstall({
        modelsDir: dir,
        dataset: "synthetic",
        queries: synthetic(20),
        idfs: [2, 4, 6],
        folds: 4,
        trainedOn: "signal",
        train: { iterations: 100 },
        rebuild,
        now: new Date("2026-11-25T15:30:00Z"),
      });
      expect(result.decision.install).toBe(true);
      expect(result.installed?.version).toMatch(/-20261125T153000Z$/);
      expect(result.head.defaultIdf).toBe(4);
      expect(await getActiveHeadVersion(dir)).toBe(result.installed!.version);
      const [latest] = await listHeadVersions(dir);
      expect(latest).toMatchObject({ version: result.installed!.version, active: true, trainedOn: "signal" });
      expect(latest.metrics?.folds).toHaveLength(4);
      expect(latest.metrics?.meanGain).toBeGreaterThan(0.5);
      expect(latest.metrics?.comparedWith).toBe(BUILTIN_VERSION);
      const table = formatTrainingReport(result);
      expect(table).toMatch(/^\| fold \| queries \| first stage \(fused\) nDCG@10 \| new head nDCG@10/);
      expect(table).toMatch(/\| mean \| 20 \|/);
      expect(table).toMatch(/decision: installed .* and made it active/);
    });

    it("compares with the untrained head when the active head reads other features than the queries", async () => {
      await activeHead({ ...linear([0, 1]), featureNames: ["a", "b", "c"], mean: [0, 0, 0], std: [1, 1, 1], weights: [0, 1, 0] });
      const result = await trainAndInstall({
        modelsDir: dir,
        dataset: "synthetic",
        queries: synthetic(8),
        idfs: [],
        folds: 2,
        trainedOn: "signal",
        train: { iterations: 50 },
        rebuild,
        dryRun: true,
      });
      expect(result.activeVersion).toBe("untrained");
      expect(result.decision.install).toBe(true);
    });

    it("dry run decides but installs nothing", async () => {
      await activeHead(linear([1, 0]));
      const result = await trainAndInstall({
        modelsDir: dir,
        dataset: "synthetic",
        queries: synthetic(10),
        idfs: [],
        folds: 2,
        trainedOn: "signal",
        train: { iterations: 50 },
        rebuild,
        dryRun: true,
      });
      expect(result.decision.install).toBe(true);
      expect(result.installed).toBeNull();
      expect(await getActiveHeadVersion(dir)).toBe(BUILTIN_VERSION);
    });
  });
});
