// The reports `npm run eval` writes (<dir>/<name>/report.json), read back for the eval page.
import { readdir, readFile, realpath } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { STAGES, type Stage } from "./run-queries";

/**
 * A report folder's name as scripts/eval.ts makes it (`<dataset>-<time>`): letters, digits, `.`, `_`
 * and `-`, starting with a letter or digit, no `..`. Anything else (separators, traversal, NUL,
 * percent-escapes) is refused before the file system is touched.
 */
export function isValidReportName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(name) && !name.includes("..");
}

const metrics = z.record(z.string(), z.number());
const stageMetrics = z.object(Object.fromEntries(STAGES.map((s) => [s, metrics])) as Record<Stage, typeof metrics>);
const percentiles = z.object({ p50: z.number(), p95: z.number(), p99: z.number() });

const runSchema = z.object({
  fusion: z.string(),
  k: z.number(),
  queries: z.number(),
  stages: stageMetrics,
  latencyMs: z.record(z.string(), percentiles),
  perQuery: z.array(z.object({ queryId: z.string(), ndcg10: z.record(z.string(), z.number()) })),
});

export const evalReportSchema = z.object({
  dataset: z.string(),
  createdAt: z.string(),
  settings: z
    .object({
      fusions: z.array(z.string()).optional(),
      ks: z.array(z.number()).optional(),
      topN: z.number().optional(),
    })
    .passthrough(),
  stages: stageMetrics,
  runs: z.array(runSchema).min(1),
});

export type EvalReport = z.infer<typeof evalReportSchema>;
export type EvalReportRun = EvalReport["runs"][number];

export type EvalReportSummary = {
  name: string;
  dataset: string;
  createdAt: string;
  fusions: string[];
  ks: number[];
  queries: number;
  /** nDCG@10 per stage of the primary run (the report's top-level `stages`). */
  ndcg10: Record<Stage, number>;
};

export type WorstQuery = { queryId: string; ndcg10: Record<string, number> };

/** One report with the queries that scored lowest after rerank in its primary run. */
export type EvalReportDetail = EvalReport & { name: string; worstQueries: WorstQuery[] };

function summarise(name: string, r: EvalReport): EvalReportSummary {
  return {
    name,
    dataset: r.dataset,
    createdAt: r.createdAt,
    fusions: r.settings.fusions ?? [...new Set(r.runs.map((x) => x.fusion))],
    ks: r.settings.ks ?? [...new Set(r.runs.map((x) => x.k))],
    queries: r.runs[0].queries,
    ndcg10: Object.fromEntries(STAGES.map((s) => [s, r.stages[s]["ndcg@10"] ?? 0])) as Record<Stage, number>,
  };
}

/** The primary run's lowest reranked nDCG@10 (ties by query id). */
export function worstQueries(r: EvalReport, limit = 10): WorstQuery[] {
  const primary = r.runs.find((x) => JSON.stringify(x.stages) === JSON.stringify(r.stages)) ?? r.runs[0];
  return [...primary.perQuery]
    .sort((a, b) => (a.ndcg10.reranked ?? 0) - (b.ndcg10.reranked ?? 0) || a.queryId.localeCompare(b.queryId))
    .slice(0, limit);
}

async function readReportFile(root: string, name: string): Promise<EvalReport | null> {
  if (!isValidReportName(name)) return null;
  try {
    const base = await realpath(root);
    // A symlinked folder pointing outside the reports directory is not a report.
    const dir = await realpath(path.join(base, name));
    if (path.dirname(dir) !== base) return null;
    const parsed = evalReportSchema.safeParse(JSON.parse(await readFile(path.join(dir, "report.json"), "utf8")));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Every readable report under `root`, newest first; folders without a valid report.json are skipped. */
export async function listEvalReports(root: string): Promise<EvalReportSummary[]> {
  let names: string[];
  try {
    names = (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
  const out: EvalReportSummary[] = [];
  for (const name of names) {
    const report = await readReportFile(root, name);
    if (report) out.push(summarise(name, report));
  }
  return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.name.localeCompare(b.name));
}

/** One report, or null when the name is invalid or there is no valid report by that name. */
export async function readEvalReport(root: string, name: string): Promise<EvalReportDetail | null> {
  const report = await readReportFile(root, name);
  if (!report) return null;
  return { ...report, name, worstQueries: worstQueries(report) };
}
