// npm run eval -- --dataset ../shared/datasets/scifact [--limit N] [--k 45] [--fusion nvidia|minmax|rrf]
// Quality of every stage (nDCG@10, recall@k, MRR@10) and per-stage latency on a BEIR-format dataset,
// through the app's own ingest and search code; the reranker runs in-process (same model as the worker).
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { env } from "@/lib/env";
import { openEvalSetup } from "@/lib/eval/dataset-index";
import { mean, mrrAt, ndcgAt, percentile, recallAt } from "@/lib/eval/metrics";
import { inProcessRerankClient, runDatasetQueries, STAGES } from "@/lib/eval/run-queries";
import { DEFAULT_FUSION, type Fusion } from "@/lib/retrieval/fusion";

const FUSIONS: Record<string, Fusion> = {
  minmax: DEFAULT_FUSION,
  nvidia: "nvidia",
  rrf: { method: "rrf", weights: { bm25: 0.5, vector: 0.5 }, c: 60 },
};

async function main() {
  const { values } = parseArgs({
    options: {
      dataset: { type: "string", default: "../shared/datasets/scifact" },
      limit: { type: "string" },
      k: { type: "string", default: String(env.RETRIEVAL_K) },
      fusion: { type: "string", default: "minmax" },
      out: { type: "string", default: ".eval" },
    },
  });
  const fusion = FUSIONS[values.fusion!];
  if (!fusion) throw new Error(`--fusion must be one of ${Object.keys(FUSIONS).join(", ")}`);
  const k = Number(values.k);
  if (!Number.isInteger(k) || k < 10 || k > 200) throw new Error("--k must be an integer from 10 to 200");
  const limit = values.limit ? Number(values.limit) : undefined;

  const { dataset, embedder, reranker, index } = await openEvalSetup(values.dataset!, "eval");
  try {
    const outcomes = await runDatasetQueries({
      db: index.db,
      dataset,
      embedder,
      reranker: inProcessRerankClient(reranker),
      params: { k, topN: Math.min(env.RERANK_TOP_N, k), fusion, rerank: true },
      limit,
    });
    const quality = Object.fromEntries(
      STAGES.map((stage) => {
        const per = outcomes.map((o) => {
          const rel = dataset.qrels.get(o.queryId)!;
          const ranked = o.rankings[stage];
          return { ndcg: ndcgAt(ranked, rel, 10), recall: recallAt(ranked, rel, k), mrr: mrrAt(ranked, rel, 10) };
        });
        return [
          stage,
          {
            ndcg10: mean(per.map((p) => p.ndcg)),
            [`recall${k}`]: mean(per.map((p) => p.recall)),
            mrr10: mean(per.map((p) => p.mrr)),
          },
        ];
      }),
    );
    const timingKeys = ["embedMs", "bm25Ms", "denseMs", "fusionMs", "rerankComputeMs", "totalMs"] as const;
    const latency = Object.fromEntries(
      timingKeys.map((key) => {
        const xs = outcomes.map((o) => o.timings[key]);
        return [key, { p50: percentile(xs, 50), p95: percentile(xs, 95), p99: percentile(xs, 99) }];
      }),
    );
    const report = {
      dataset: dataset.name,
      queries: outcomes.length,
      k,
      fusion,
      models: { embedder: embedder.info, reranker: reranker.info },
      chunking: { size: env.CHUNK_SIZE, overlap: env.CHUNK_OVERLAP },
      quality,
      latencyMs: latency,
      createdAt: new Date().toISOString(),
    };
    console.log(`\n${dataset.name} (${outcomes.length} queries, k=${k}, fusion=${values.fusion})`);
    console.log(`| stage    | nDCG@10 | recall@${k} | MRR@10 |`);
    console.log(`|----------|---------|-----------|--------|`);
    for (const stage of STAGES) {
      const q = quality[stage] as Record<string, number>;
      console.log(
        `| ${stage.padEnd(8)} | ${q.ndcg10.toFixed(4)}  | ${q[`recall${k}`].toFixed(4).padEnd(9)} | ${q.mrr10.toFixed(4)} |`,
      );
    }
    console.log(`\n| stage latency (ms) | P50 | P95 | P99 |\n|---|---|---|---|`);
    for (const key of timingKeys) {
      const l = latency[key];
      console.log(`| ${key} | ${l.p50.toFixed(2)} | ${l.p95.toFixed(2)} | ${l.p99.toFixed(2)} |`);
    }
    await mkdir(values.out!, { recursive: true });
    const file = path.join(values.out!, `${dataset.name}-${report.createdAt.replace(/[:.]/g, "-")}.json`);
    await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\neval: wrote ${file}`);
  } finally {
    await index.close();
  }
}

main().catch((e) => {
  console.error(`eval: ${(e as Error).message}`);
  process.exit(1);
});
