// npm run eval -- --dataset <BEIR dir> [--k 15,30,45,100] [--fusion minmax:0.8/0.2,nvidia,rrf:0.5/0.5] [--limit N] [--out .eval]
//                  [--mode single|corrective|single,corrective]
// Quality of every stage (nDCG@5/10, recall@5/10/k/45/100, MRR@10) and per-stage latency on a
// BEIR-format dataset, through the app's own ingest and search code (the corpus is ingested once into an
// isolated, cached database); the reranker runs in-process (the worker's model). Each (fusion, k) pair
// is one run. Writes <out>/<dataset>-<time>/report.json and report.html, and prints the tables.
// --mode corrective runs the corrective loop (env CORRECTIVE_*, the LLM when LLM_BASE_URL is set, else the
// score grader and RM3) instead of the single pass; with several modes each query runs in every mode in turn
// (alternating order, so machine load falls on both alike) and the report adds `modes`, each mode's primary
// run side by side (quality, rounds, latency, tokens), also written as modes.md and modes.json.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { env } from "@/lib/env";
import { openEvalSetup } from "@/lib/eval/dataset-index";
import {
  fusionLabel,
  htmlReport,
  markdownTable,
  modesTable,
  parseFusion,
  summarise,
  summariseMode,
  TIMING_KEYS,
  type ModeSummary,
  type RunReport,
} from "@/lib/eval/report";
import { inProcessRerankClient, runDatasetQueriesByMode, STAGES, type QueryOutcome } from "@/lib/eval/run-queries";
import { retrievalModeSchema, type RetrievalMode } from "@/lib/retrieval/corrective/loop";
import { DEFAULT_FUSION, type Fusion } from "@/lib/retrieval/fusion";

async function main() {
  const { values } = parseArgs({
    options: {
      dataset: { type: "string", default: "../shared/datasets/scifact" },
      limit: { type: "string" },
      k: { type: "string", default: String(env.RETRIEVAL_K) },
      fusion: { type: "string", default: fusionLabel(DEFAULT_FUSION) },
      out: { type: "string", default: ".eval" },
      mode: { type: "string", default: "single" },
    },
  });
  const modes = [
    ...new Set(
      values.mode!.split(",").map((m) => {
        const parsed = retrievalModeSchema.safeParse(m.trim());
        if (!parsed.success) throw new Error(`--mode values must be single or corrective (got "${m}")`);
        return parsed.data;
      }),
    ),
  ];
  const fusions = values.fusion!.split(",").map(parseFusion);
  const ks = values.k!.split(",").map((v) => {
    const k = Number(v);
    if (!Number.isInteger(k) || k < 5 || k > 200)
      throw new Error(`--k values must be integers from 5 to 200 (got "${v}")`);
    return k;
  });
  const limit = values.limit ? Number(values.limit) : undefined;
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
    throw new Error(`--limit must be a positive integer (got "${values.limit}")`);
  }

  const { dataset, embedder, reranker, index } = await openEvalSetup(values.dataset!, "eval");
  const runs: RunReport[] = [];
  const outcomesOf = new Map<RunReport, QueryOutcome[]>();
  try {
    const queryRun = (fusion: Fusion, k: number, n: number | undefined) =>
      runDatasetQueriesByMode({
        db: index.db,
        dataset,
        embedder,
        reranker: inProcessRerankClient(reranker),
        params: { k, topN: Math.min(env.RERANK_TOP_N, k), fusion, rerank: true },
        limit: n,
        // The extractive answer of each query, for citation precision (the qrels label the answers).
        answers: { minScore: env.ANSWER_MIN_SCORE },
        modes,
      });
    if (modes.length > 1) {
      // A few unmeasured queries first, so the first query measured does not carry the models' and the
      // database's cold start.
      await queryRun(fusions[0], ks[0], Math.min(5, limit ?? 5));
    }
    for (const fusion of fusions) {
      for (const k of ks) {
        console.log(`eval: ${modes.join(" + ")}, fusion ${fusionLabel(fusion)}, k = ${k}`);
        const byMode = await queryRun(fusion, k, limit);
        for (const mode of modes) {
          const outcomes = byMode[mode]!;
          const run = summarise({ outcomes, qrels: dataset.qrels, fusion, k, mode });
          runs.push(run);
          outcomesOf.set(run, outcomes);
        }
      }
    }
  } finally {
    await index.close();
  }

  for (const run of runs) {
    console.log(`\n${dataset.name} (${run.queries} queries, mode=${run.mode}, k=${run.k}, fusion=${run.fusion})`);
    console.log(markdownTable(run));
    if (run.citationPrecision !== null && run.citations) {
      console.log(
        `citation precision (extractive answer): ${run.citationPrecision.toFixed(4)} — ${run.citations.relevantCited} of ${run.citations.cited} cited passages relevant, ${run.citations.answeredQueries} answered queries`,
      );
    }
  }
  if (runs.length > 1) {
    console.log(
      `\n| mode | fusion | k | ${STAGES.map((s) => `${s} nDCG@10`).join(" | ")} | citation precision | total P95 ms |`,
    );
    console.log(`|---|---|---|${STAGES.map(() => "---").join("|")}|---|---|`);
    for (const r of runs) {
      console.log(
        `| ${r.mode} | ${r.fusion} | ${r.k} | ${STAGES.map((s) => r.stages[s]["ndcg@10"].toFixed(4)).join(" | ")} | ${r.citationPrecision?.toFixed(4) ?? "–"} | ${r.latencyMs.totalMs.p95.toFixed(1)} |`,
      );
    }
  }
  const last = runs.at(-1)!;
  console.log(
    `\n| stage latency (ms), ${last.mode}, ${last.fusion} k=${last.k} | P50 | P95 | P99 |\n|---|---|---|---|`,
  );
  for (const key of TIMING_KEYS) {
    const l = last.latencyMs[key];
    console.log(`| ${key} | ${l.p50.toFixed(2)} | ${l.p95.toFixed(2)} | ${l.p99.toFixed(2)} |`);
  }

  const createdAt = new Date().toISOString();
  const dir = path.join(values.out!, `${dataset.name}-${createdAt.replace(/[:.]/g, "-")}`);
  await mkdir(dir, { recursive: true });
  // Each mode's primary run: the default k (else the first), first fusion.
  const primaryOf = (mode: RetrievalMode) => {
    const own = runs.filter((r) => r.mode === mode);
    return own.find((r) => r.k === env.RETRIEVAL_K) ?? own[0];
  };
  const primary = primaryOf(modes[0]);
  const modeSummaries = modes.includes("corrective")
    ? (Object.fromEntries(
        modes.map((m) => [m, summariseMode(primaryOf(m), outcomesOf.get(primaryOf(m))!, Boolean(env.LLM_BASE_URL))]),
      ) as Partial<Record<RetrievalMode, ModeSummary>>)
    : undefined;
  const report = {
    dataset: dataset.name,
    createdAt,
    settings: {
      fusions: fusions.map(fusionLabel),
      ks,
      topN: env.RERANK_TOP_N,
      chunking: { size: env.CHUNK_SIZE, overlap: env.CHUNK_OVERLAP },
      models: { embedder: embedder.info, reranker: reranker.info },
    },
    // The stages of the primary run (first mode, default k, first fusion); every run is under `runs`.
    stages: primary.stages,
    // Share of the primary run's cited passages (extractive answers) that are relevant; per run under `runs`.
    citationPrecision: primary.citationPrecision,
    // The first mode's runs (one per fusion and k, as readers of `runs` expect); other modes' under `modeRuns`.
    runs: runs.filter((r) => r.mode === modes[0]),
    ...(modeSummaries
      ? {
          modes: modeSummaries,
          modeRuns: Object.fromEntries(modes.slice(1).map((m) => [m, runs.filter((r) => r.mode === m)])),
        }
      : {}),
  };
  await writeFile(path.join(dir, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(path.join(dir, "report.html"), htmlReport({ ...report, runs }));
  let wrote = "report.html";
  if (modeSummaries) {
    const table = modesTable(Object.values(modeSummaries));
    const { fusion, k, queries } = primary;
    const stops = Object.entries(modeSummaries.corrective?.stopReasons ?? {})
      .map(([reason, n]) => `${reason} ${n}`)
      .join(", ");
    const tokens = modeSummaries.corrective?.tokens;
    const tokenLine = tokens
      ? `LLM tokens per corrective query: grader ${tokens.grader.prompt.toFixed(1)} prompt + ${tokens.grader.completion.toFixed(1)} completion, rewriter ${tokens.rewriter.prompt.toFixed(1)} + ${tokens.rewriter.completion.toFixed(1)} (the OpenAI-format usage of each call; per query in report.json's perQuery).`
      : "";
    console.log(
      `\n${dataset.name}: single vs corrective (${fusion}, k=${k}, ${queries} queries)\n${table}\ncorrective stops: ${stops}${tokenLine ? `\n${tokenLine}` : ""}`,
    );
    const corrective = env.LLM_BASE_URL ? "LLM grader and rewriter" : "score grader and RM3 rewriter (no LLM)";
    const settings = `CORRECTIVE_MAX_ROUNDS=${env.CORRECTIVE_MAX_ROUNDS}, CORRECTIVE_GRADE_THRESHOLD=${env.CORRECTIVE_GRADE_THRESHOLD}, CORRECTIVE_MIN_RELEVANT=${env.CORRECTIVE_MIN_RELEVANT}`;
    await writeFile(
      path.join(dir, "modes.md"),
      `# ${dataset.name}: single vs corrective retrieval\n\n${queries} queries${limit ? ` (--limit ${limit}: the first ${limit})` : ""}, ${fusion}, k = ${k}, top_n = ${Math.min(env.RERANK_TOP_N, k)}; corrective: ${corrective}, ${settings}. Latency is the wall time per query (every round), reranker in-process on this machine's CPU: compare only within this table.\n\n${table}\n\nWhy the corrective loops stopped: ${stops}.\n${tokenLine ? `\n${tokenLine}\n` : ""}`,
    );
    await writeFile(
      path.join(dir, "modes.json"),
      `${JSON.stringify({ dataset: dataset.name, createdAt, limit: limit ?? null, settings: report.settings, corrective: { maxRounds: env.CORRECTIVE_MAX_ROUNDS, threshold: env.CORRECTIVE_GRADE_THRESHOLD, minRelevant: env.CORRECTIVE_MIN_RELEVANT, llm: env.LLM_BASE_URL ? env.LLM_MODEL : null }, modes: modeSummaries }, null, 2)}\n`,
    );
    wrote += ", modes.md and modes.json";
  }
  console.log(`\neval: wrote ${path.join(dir, "report.json")}, ${wrote}`);
}

main().catch((e) => {
  console.error(`eval: ${(e as Error).message}`);
  process.exit(1);
});
