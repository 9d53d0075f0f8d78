// npm run eval -- --dataset <BEIR dir> [--k 15,30,45,100] [--fusion minmax:0.8/0.2,nvidia,rrf:0.5/0.5] [--limit N] [--out .eval]
// Quality of every stage (nDCG@5/10, recall@5/10/k/45/100, MRR@10) and per-stage latency on a
// BEIR-format dataset, through the app's own ingest and search code (the corpus is ingested once into an
// isolated, cached database); the reranker runs in-process (the worker's model). Each (fusion, k) pair
// is one run. Writes <out>/<dataset>-<time>/report.json and report.html, and prints the tables.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { env } from "@/lib/env";
import { openEvalSetup } from "@/lib/eval/dataset-index";
import { fusionLabel, htmlReport, markdownTable, parseFusion, summarise, TIMING_KEYS, type RunReport } from "@/lib/eval/report";
import { inProcessRerankClient, runDatasetQueries, STAGES } from "@/lib/eval/run-queries";
import { DEFAULT_FUSION } from "@/lib/retrieval/fusion";

async function main() {
  const { values } = parseArgs({
    options: {
      dataset: { type: "string", default: "../shared/datasets/scifact" },
      limit: { type: "string" },
      k: { type: "string", default: String(env.RETRIEVAL_K) },
      fusion: { type: "string", default: fusionLabel(DEFAULT_FUSION) },
      out: { type: "string", default: ".eval" },
    },
  });
  const fusions = values.fusion!.split(",").map(parseFusion);
  const ks = values.k!.split(",").map((v) => {
    const k = Number(v);
    if (!Number.isInteger(k) || k < 5 || k > 200) throw new Error(`--k values must be integers from 5 to 200 (got "${v}")`);
    return k;
  });
  const limit = values.limit ? Number(values.limit) : undefined;

  const { dataset, embedder, reranker, index } = await openEvalSetup(values.dataset!, "eval");
  const runs: RunReport[] = [];
  try {
    for (const fusion of fusions) {
      for (const k of ks) {
        console.log(`eval: fusion ${fusionLabel(fusion)}, k = ${k}`);
        const outcomes = await runDatasetQueries({
          db: index.db,
          dataset,
          embedder,
          reranker: inProcessRerankClient(reranker),
          params: { k, topN: Math.min(env.RERANK_TOP_N, k), fusion, rerank: true },
          limit,
          // The extractive answer of each query, for citation precision (the qrels label the answers).
          answers: { minScore: env.ANSWER_MIN_SCORE },
        });
        runs.push(summarise({ outcomes, qrels: dataset.qrels, fusion, k }));
      }
    }
  } finally {
    await index.close();
  }

  for (const run of runs) {
    console.log(`\n${dataset.name} (${run.queries} queries, k=${run.k}, fusion=${run.fusion})`);
    console.log(markdownTable(run));
    if (run.citationPrecision !== null && run.citations) {
      console.log(
        `citation precision (extractive answer): ${run.citationPrecision.toFixed(4)} — ${run.citations.relevantCited} of ${run.citations.cited} cited passages relevant, ${run.citations.answeredQueries} answered queries`,
      );
    }
  }
  if (runs.length > 1) {
    console.log(`\n| fusion | k | ${STAGES.map((s) => `${s} nDCG@10`).join(" | ")} | citation precision | total P95 ms |`);
    console.log(`|---|---|${STAGES.map(() => "---").join("|")}|---|---|`);
    for (const r of runs) {
      console.log(`| ${r.fusion} | ${r.k} | ${STAGES.map((s) => r.stages[s]["ndcg@10"].toFixed(4)).join(" | ")} | ${r.citationPrecision?.toFixed(4) ?? "–"} | ${r.latencyMs.totalMs.p95.toFixed(1)} |`);
    }
  }
  const last = runs.at(-1)!;
  console.log(`\n| stage latency (ms), ${last.fusion} k=${last.k} | P50 | P95 | P99 |\n|---|---|---|---|`);
  for (const key of TIMING_KEYS) {
    const l = last.latencyMs[key];
    console.log(`| ${key} | ${l.p50.toFixed(2)} | ${l.p95.toFixed(2)} | ${l.p99.toFixed(2)} |`);
  }

  const createdAt = new Date().toISOString();
  const dir = path.join(values.out!, `${dataset.name}-${createdAt.replace(/[:.]/g, "-")}`);
  await mkdir(dir, { recursive: true });
  const primary = runs.find((r) => r.k === env.RETRIEVAL_K) ?? runs[0];
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
    // The stages of the primary run (default k, first fusion); every run is under `runs`.
    stages: primary.stages,
    // Share of the primary run's cited passages (extractive answers) that are relevant; per run under `runs`.
    citationPrecision: primary.citationPrecision,
    runs,
  };
  await writeFile(path.join(dir, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(path.join(dir, "report.html"), htmlReport(report));
  console.log(`\neval: wrote ${path.join(dir, "report.json")} and report.html`);
}

main().catch((e) => {
  console.error(`eval: ${(e as Error).message}`);
  process.exit(1);
});
