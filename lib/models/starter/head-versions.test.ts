import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { activateHeadVersion } from "./activate";
import {
  BUILTIN_VERSION,
  getActiveHeadVersion,
  headVersionId,
  installHeadVersion,
  isHeadVersion,
  listHeadVersions,
  readActiveHead,
  readBuildableHead,
  setActiveHeadVersion,
} from "./head-versions";
import { RERANKER_DIR, untrainedHead, type RerankerHead } from "./spec";

let dir: string;
const head = (bias: number, trainedOn = `bias ${bias}`): RerankerHead => ({ ...untrainedHead(), bias, trainedOn });

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "heads-"));
  await mkdir(path.join(dir, RERANKER_DIR), { recursive: true });
  await writeFile(path.join(dir, RERANKER_DIR, "head.json"), JSON.stringify(head(0, "committed")));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe("reranker head versions", () => {
  it("names a version by content hash and UTC timestamp", () => {
    const v = headVersionId(head(1), new Date("2026-11-25T15:30:00.123Z"));
    expect(v).toMatch(/^[0-9a-f]{8}-20261125T153000Z$/);
    expect(headVersionId(head(1), new Date(0)).slice(0, 8)).toBe(v.slice(0, 8));
    expect(headVersionId(head(2), new Date(0)).slice(0, 8)).not.toBe(v.slice(0, 8));
    expect(isHeadVersion(v)).toBe(true);
    expect(isHeadVersion(BUILTIN_VERSION)).toBe(true);
    for (const bad of ["../active", "x", `${v}/..`, ""]) expect(isHeadVersion(bad)).toBe(false);
  });

  it("uses the committed head.json until a version is activated", async () => {
    expect(await getActiveHeadVersion(dir)).toBe(BUILTIN_VERSION);
    expect((await readActiveHead(dir))?.head.trainedOn).toBe("committed");
    const listed = await listHeadVersions(dir);
    expect(listed.map((v) => [v.version, v.active])).toEqual([[BUILTIN_VERSION, true]]);
  });

  it("installs without activating, activates, lists newest first and rolls back", async () => {
    const v1 = await installHeadVersion({
      modelsDir: dir,
      head: head(1),
      metrics: null,
      now: new Date("2026-01-01T00:00:00Z"),
    });
    const v2 = await installHeadVersion({
      modelsDir: dir,
      head: head(2),
      metrics: null,
      now: new Date("2026-02-01T00:00:00Z"),
    });
    expect(await getActiveHeadVersion(dir)).toBe(BUILTIN_VERSION);

    const rebuilt: string[] = [];
    const rebuild = async (modelsDir: string) => {
      rebuilt.push((await readActiveHead(modelsDir))!.version);
      return { id: "ranklens/knrm-glove-100d", version: `model-${rebuilt.length}` };
    };
    expect(await activateHeadVersion({ modelsDir: dir, version: v2, rebuild })).toMatchObject({
      previous: BUILTIN_VERSION,
      version: v2,
    });
    expect((await readActiveHead(dir))?.head.bias).toBe(2);
    expect((await listHeadVersions(dir)).map((v) => `${v.version}${v.active ? "*" : ""}`)).toEqual([
      `${v2}*`,
      v1,
      BUILTIN_VERSION,
    ]);

    // Roll back = point at an earlier version and rebuild from it.
    await activateHeadVersion({ modelsDir: dir, version: v1, rebuild });
    await activateHeadVersion({ modelsDir: dir, version: BUILTIN_VERSION, rebuild });
    expect(rebuilt).toEqual([v2, v1, BUILTIN_VERSION]);
    expect(JSON.parse(await readFile(path.join(dir, RERANKER_DIR, "active.json"), "utf8")).version).toBe(
      BUILTIN_VERSION,
    );
  });

  it("refuses a version that is not installed and keeps the pointer when a rebuild fails", async () => {
    await expect(setActiveHeadVersion({ modelsDir: dir, version: "deadbeef-20260101T000000Z" })).rejects.toThrow(
      /not installed/,
    );
    await expect(setActiveHeadVersion({ modelsDir: dir, version: "../../etc" })).rejects.toThrow(/not installed/);
    const v1 = await installHeadVersion({ modelsDir: dir, head: head(1), metrics: null });
    await expect(
      activateHeadVersion({
        modelsDir: dir,
        version: v1,
        rebuild: async () => {
          throw new Error("disk full");
        },
      }),
    ).rejects.toThrow(/disk full/);
    expect(await getActiveHeadVersion(dir)).toBe(BUILTIN_VERSION);
  });

  it("passes over a head trained on older features when building, for the built-in one or none", async () => {
    // A head of the feature list before the best-match features: 27 weights.
    const older = (bias: number): RerankerHead => {
      const h = head(bias, "older");
      const keep = h.featureNames.map((n, i) => (n.startsWith("best_match") ? -1 : i)).filter((i) => i >= 0);
      const pick = <T,>(xs: T[]) => keep.map((i) => xs[i]);
      return { ...h, featureNames: pick(h.featureNames), mean: pick(h.mean), std: pick(h.std), weights: pick(h.weights) };
    };
    expect(older(0).weights).toHaveLength(27);
    const v = await installHeadVersion({ modelsDir: dir, head: older(3), metrics: null });
    await setActiveHeadVersion({ modelsDir: dir, version: v });
    expect((await readActiveHead(dir))?.version).toBe(v);
    const built = await readBuildableHead(dir);
    expect(built).toMatchObject({ version: BUILTIN_VERSION, head: { trainedOn: "committed" } });
    expect(built?.passedOver).toMatch(new RegExp(`^head ${v} reads 27 features, the graph 30: retrain`));
    // The built-in head older too: nothing to build from but the untrained head.
    await writeFile(path.join(dir, RERANKER_DIR, "head.json"), JSON.stringify(older(0)));
    expect(await readBuildableHead(dir)).toBeNull();
    // A current active head is built as it is.
    const w = await installHeadVersion({ modelsDir: dir, head: head(5), metrics: null });
    await setActiveHeadVersion({ modelsDir: dir, version: w });
    expect(await readBuildableHead(dir)).toMatchObject({ version: w, head: { bias: 5 } });
  });

  it("lists why an older-feature head cannot be built", async () => {
    const h = head(2, "older");
    const older: RerankerHead = { ...h, featureNames: h.featureNames.slice(0, 27), weights: h.weights.slice(0, 27) };
    const v = await installHeadVersion({ modelsDir: dir, head: older, metrics: null });
    const listed = Object.fromEntries((await listHeadVersions(dir)).map((x) => [x.version, x.unfit]));
    expect(listed[v]).toBe(`head ${v} reads 27 features, the graph 30: retrain with npm run train:reranker`);
    expect(listed[BUILTIN_VERSION]).toBeNull();
  });
});
