// npm run bench:rerank [-- --n 100 --url http://127.0.0.1:3001]
// Reranker latency for batches of k candidates (SciFact abstracts as passages): the model in-process,
// and, with --url, the worker over HTTP (queue + compute + transport). Writes JSON under .bench/.
import { mkdir, writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { env } from "@/lib/env";
import { documentText, loadBeir } from "@/lib/eval/beir";
import { percentile } from "@/lib/eval/metrics";
import { progressBar } from "@/lib/eval/progress";
import { loadStarterReranker } from "@/lib/models/starter";
import type { RerankRequest } from "@/lib/models/types";
import { createRerankClient } from "@/lib/rerank/client";

async function main() {
  const { values } = parseArgs({
    options: {
      n: { type: "string", default: "100" },
      url: { type: "string" },
      dataset: { type: "string", default: "../shared/datasets/scifact" },
    },
  });
  const n = Number(values.n);
  const dataset = await loadBeir(values.dataset!);
  const reranker = await loadStarterReranker(env.MODELS_DIR, {
    executionProviders: env.RERANKER_EXECUTION_PROVIDERS,
    threads: env.RERANKER_THREADS || undefined,
  });
  await reranker.warmUp();
  const client = values.url ? createRerankClient({ url: values.url, deadlineMs: 60_000 }) : null;
  const request = (i: number, k: number): RerankRequest => ({
    query: dataset.queries[i % dataset.queries.length].text,
    candidates: Array.from({ length: k }, (_, j) => {
      const d = dataset.corpus[(i * 131 + j * 17) % dataset.corpus.length];
      return { id: d.id, text: documentText(d), features: { bm25Score: 10 - j / 10, vectorScore: 0.5, fusedRank: j + 1 } };
    }),
  });
  const rows: Record<string, unknown>[] = [];
  for (const k of [10, 45, 100]) {
    for (const path of client ? ["in-process", "worker-http"] : ["in-process"]) {
      const times: number[] = [];
      const bar = progressBar(`${path} k=${k}`, n);
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        if (path === "in-process") await reranker.rerank(request(i, k));
        else {
          const r = await client!.rerank(request(i, k));
          if (!r.ok) throw new Error(r.reason);
        }
        times.push(performance.now() - t0);
        bar.tick();
      }
      bar.done();
      rows.push({ path, k, n, p50: percentile(times, 50), p95: percentile(times, 95), p99: percentile(times, 99) });
    }
  }
  console.log(`\nreranker ${reranker.info.id}@${reranker.info.version} on ${reranker.executionProvider}`);
  console.log("| path | k | P50 ms | P95 ms | P99 ms |\n|---|---|---|---|---|");
  for (const r of rows) {
    const f = (x: unknown) => (x as number).toFixed(1);
    console.log(`| ${r.path} | ${r.k} | ${f(r.p50)} | ${f(r.p95)} | ${f(r.p99)} |`);
  }
  await mkdir(".bench", { recursive: true });
  const file = `.bench/rerank-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
  await writeFile(file, `${JSON.stringify({ model: reranker.info, executionProvider: reranker.executionProvider, rows }, null, 2)}\n`);
  console.log(`bench: wrote ${file}`);
}

main().catch((e) => {
  console.error(`bench: ${(e as Error).message}`);
  process.exit(1);
});
