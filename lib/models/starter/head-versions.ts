// Installed versions of the reranker's linear head: models/knrm-glove-100d/heads/<version>.json, one
// file per trained head, and active.json naming the one the model is built from. The committed head.json
// is the built-in version ("builtin"); without active.json it is the active one. Rolling back = pointing
// active.json at an earlier version and rebuilding the ONNX model (activate.ts).
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { FEATURE_NAMES, RERANKER_DIR, type RerankerHead } from "./spec";

export const BUILTIN_VERSION = "builtin";
/** <8 hex digits of the head's content hash>-<UTC timestamp>, e.g. 3f2a9c1d-20261125T153000Z. */
const VERSION_PATTERN = /^[0-9a-f]{8}-\d{8}T\d{6}Z$/;

/** Held-out scores from training, per fold: the first stage, the new head and the head active then. */
export interface FoldComparison {
  fold: number;
  queries: number;
  firstStageNdcg10: number;
  candidateNdcg10: number;
  activeNdcg10: number;
}

export interface HeadMetrics {
  dataset: string;
  queries: number;
  folds: FoldComparison[];
  meanFirstStageNdcg10: number;
  meanCandidateNdcg10: number;
  meanActiveNdcg10: number;
  /** Mean reranked minus first-stage nDCG@10 on held-out queries. */
  meanGain: number;
  /** The version that was active when this head was trained and compared. */
  comparedWith: string;
}

export interface HeadVersion {
  version: string;
  createdAt: string;
  head: RerankerHead;
  metrics: HeadMetrics | null;
}

export type HeadVersionSummary = Omit<HeadVersion, "head"> & {
  trainedOn: string;
  active: boolean;
  /** Null when this graph can be built from the head, else why not (trained on an older feature list). */
  unfit: string | null;
};

export const isHeadVersion = (v: string) => v === BUILTIN_VERSION || VERSION_PATTERN.test(v);

const rerankerDir = (modelsDir: string) => path.join(modelsDir, RERANKER_DIR);
const headsDir = (modelsDir: string) => path.join(rerankerDir(modelsDir), "heads");
const activeFile = (modelsDir: string) => path.join(rerankerDir(modelsDir), "active.json");

/** Content hash of what the head computes (not its description), so equal heads get equal hashes. */
export function headHash(head: RerankerHead): string {
  const { mean, std, weights, bias, defaultIdf, featureNames } = head;
  return createHash("sha256")
    .update(JSON.stringify({ featureNames, mean, std, weights, bias, defaultIdf }))
    .digest("hex")
    .slice(0, 8);
}

export function headVersionId(head: RerankerHead, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `${headHash(head)}-${stamp}`;
}

async function writeAtomic(file: string, text: string) {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}

const readJson = async <T>(file: string): Promise<T | null> => {
  try {
    return JSON.parse(await readFile(file, "utf8")) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
};

/** One version, or null when it is not installed (an invalid name is never read from disk). */
export async function getHeadVersion(modelsDir: string, version: string): Promise<HeadVersion | null> {
  if (!isHeadVersion(version)) return null;
  if (version === BUILTIN_VERSION) {
    const head = await readJson<RerankerHead>(path.join(rerankerDir(modelsDir), "head.json"));
    if (!head) return null;
    const cv = head.crossValidation as { firstStageNdcg10?: number; rerankedNdcg10?: number } | undefined;
    return {
      version: BUILTIN_VERSION,
      createdAt: "",
      head,
      metrics:
        cv?.firstStageNdcg10 !== undefined && cv.rerankedNdcg10 !== undefined
          ? {
              dataset: head.trainedOn,
              queries: 0,
              folds: [],
              meanFirstStageNdcg10: cv.firstStageNdcg10,
              meanCandidateNdcg10: cv.rerankedNdcg10,
              meanActiveNdcg10: cv.rerankedNdcg10,
              meanGain: +(cv.rerankedNdcg10 - cv.firstStageNdcg10).toFixed(4),
              comparedWith: "",
            }
          : null,
    };
  }
  return readJson<HeadVersion>(path.join(headsDir(modelsDir), `${version}.json`));
}

/** The active version's name: active.json, or the built-in head when there is none. */
export async function getActiveHeadVersion(modelsDir: string): Promise<string> {
  const pointer = await readJson<{ version: string }>(activeFile(modelsDir));
  return pointer && isHeadVersion(pointer.version) ? pointer.version : BUILTIN_VERSION;
}

/** The head the model is built from; null only when not even the built-in head.json exists. */
export async function readActiveHead(modelsDir: string): Promise<{ version: string; head: RerankerHead } | null> {
  const version = await getActiveHeadVersion(modelsDir);
  const found = await getHeadVersion(modelsDir, version);
  if (found) return { version, head: found.head };
  // A pointer at a version that was removed by hand: fall back to the built-in head rather than fail.
  const builtin = await getHeadVersion(modelsDir, BUILTIN_VERSION);
  return builtin ? { version: BUILTIN_VERSION, head: builtin.head } : null;
}

/** Whether a head reads this version's features (a head trained before a feature was added does not). */
export const headFitsGraph = (head: RerankerHead) =>
  head.weights.length === FEATURE_NAMES.length && head.featureNames.every((n, i) => n === FEATURE_NAMES[i]);

/** Why the graph cannot be built from `head` of `version`, or null when it can. */
export const headUnfitReason = (version: string, head: RerankerHead): string | null =>
  headFitsGraph(head)
    ? null
    : `head ${version} reads ${head.weights.length} features, the graph ${FEATURE_NAMES.length}: retrain with npm run train:reranker`;

/**
 * The active head if the graph can be built from it, else the built-in one if that can, else null (build
 * with the untrained head): a version trained on older features is passed over, and `passedOver` says so.
 */
export async function readBuildableHead(
  modelsDir: string,
): Promise<{ version: string; head: RerankerHead; passedOver?: string } | null> {
  const active = await readActiveHead(modelsDir);
  const passedOver = active && headUnfitReason(active.version, active.head);
  if (!active || !passedOver) return active;
  const builtin = await getHeadVersion(modelsDir, BUILTIN_VERSION);
  return builtin && headFitsGraph(builtin.head) ? { version: BUILTIN_VERSION, head: builtin.head, passedOver } : null;
}

/** Every installed version, newest first, the built-in one last. */
export async function listHeadVersions(modelsDir: string): Promise<HeadVersionSummary[]> {
  const active = await getActiveHeadVersion(modelsDir);
  const names = await readdir(headsDir(modelsDir)).catch(() => [] as string[]);
  const installed = (
    await Promise.all(
      names
        .filter((n) => n.endsWith(".json") && VERSION_PATTERN.test(n.slice(0, -5)))
        .map((n) => getHeadVersion(modelsDir, n.slice(0, -5))),
    )
  ).filter((v): v is HeadVersion => v !== null);
  installed.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  const builtin = await getHeadVersion(modelsDir, BUILTIN_VERSION);
  return [...installed, ...(builtin ? [builtin] : [])].map(({ head, ...rest }) => ({
    ...rest,
    trainedOn: head.trainedOn,
    active: rest.version === active,
    unfit: headUnfitReason(rest.version, head),
  }));
}

/** Stores a trained head as a new version (not yet active) and returns its name. */
export async function installHeadVersion(args: {
  modelsDir: string;
  head: RerankerHead;
  metrics: HeadMetrics | null;
  now?: Date;
}): Promise<string> {
  const now = args.now ?? new Date();
  const version = headVersionId(args.head, now);
  await mkdir(headsDir(args.modelsDir), { recursive: true });
  const record: HeadVersion = { version, createdAt: now.toISOString(), head: args.head, metrics: args.metrics };
  await writeAtomic(path.join(headsDir(args.modelsDir), `${version}.json`), `${JSON.stringify(record, null, 2)}\n`);
  return version;
}

/** Points active.json at an installed version; throws when there is no such version. */
export async function setActiveHeadVersion(args: { modelsDir: string; version: string; now?: Date }): Promise<void> {
  if (!(await getHeadVersion(args.modelsDir, args.version))) {
    throw new Error(`reranker head version "${args.version}" is not installed`);
  }
  await writeAtomic(
    activeFile(args.modelsDir),
    `${JSON.stringify({ version: args.version, activatedAt: (args.now ?? new Date()).toISOString() }, null, 2)}\n`,
  );
}

/** Files whose change means the reranker model must be rebuilt (build-models compares their mtimes). */
export function headSourceFiles(modelsDir: string, version: string): string[] {
  return [
    activeFile(modelsDir),
    version === BUILTIN_VERSION
      ? path.join(rerankerDir(modelsDir), "head.json")
      : path.join(headsDir(modelsDir), `${version}.json`),
  ];
}
