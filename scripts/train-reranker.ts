// npm run train:reranker [-- --dataset <BEIR dir> [--features <cached features.json>] | golden [--user <email>]]
//   [--folds 5] [--k 45] [--dry-run]
// Retrains the starter reranker's linear head: the first stage's top-k candidates of every judged query
// (the app's own ingest + hybrid search), features from the reranker graph itself, pairwise logistic
// loss. Cross-validates the new head and the active head on the same folds (first stage vs reranked
// nDCG@10 per fold) and installs the new head as a version (models/knrm-glove-100d/heads/) — made
// active, the ONNX model rebuilt, running workers told to reload — only if it is better on held-out
// queries. `--dataset golden` trains on the relevance labels stored in the app's database (the labelled
// user's own documents; with PGlite the app must not be running, it holds the data directory).
import { readFile, writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { openDb } from "@/db";
import { getOwnerIdByEmail } from "@/db/queries/documents";
import { listUsersWithLabels } from "@/db/queries/labels";
import { getTermIdf } from "@/db/queries/retrieval";
import { env } from "@/lib/env";
import { loadBeir } from "@/lib/eval/beir";
import { openEvalSetup } from "@/lib/eval/dataset-index";
import { goldenTrainingQueries } from "@/lib/eval/golden-training";
import { progressBar } from "@/lib/eval/progress";
import { inProcessRerankClient, runDatasetQueries } from "@/lib/eval/run-queries";
import { loadStarterEmbedder, loadStarterReranker } from "@/lib/models/starter";
import { FEATURE_NAMES } from "@/lib/models/starter/spec";
import type { TrainingQuery } from "@/lib/models/starter/train";
import { formatTrainingReport, trainAndInstall } from "@/lib/models/starter/train-install";
import { reloadRerankerWorkersAndReport } from "@/lib/models/worker-reload";
import { wordTokens } from "@/lib/models/word-tokens";
import { DEFAULT_FUSION } from "@/lib/retrieval/fusion";
import { rerankRequestFor } from "@/lib/retrieval/search";

type Examples = { name: string; queries: TrainingQuery[]; idfs: number[]; note: string };

type CachedFeatures = { idfs: number[]; queries: { id: string; features: number[]; documentIds: string[] }[] };

function fromCache(cached: CachedFeatures, qrels: Map<string, Map<string, number>>): TrainingQuery[] {
  return cached.queries.map((q) => ({
    ...q,
    features: Float32Array.from(q.features),
    featureCount: FEATURE_NAMES.length,
    relevant: qrels.get(q.id) ?? new Map<string, number>(),
  }));
}

const summary = (name: string, queries: TrainingQuery[], idfs: number[], k: number): Examples => ({
  name,
  queries,
  idfs,
  note: `${queries.filter((q) => q.documentIds.some((d) => q.relevant.has(d))).length} of ${queries.length} queries have a relevant document in the top ${k}`,
});

/** A BEIR dataset's examples, through its cached index; the features are cached beside it. */
async function beirExamples(datasetDir: string, k: number, featuresFile?: string): Promise<Examples> {
  if (featuresFile) {
    // Features computed earlier (`<index>.features-k<k>-<n>.json`), e.g. from an index whose key has
    // since changed (a re-copied corpus has a new mtime): no index is opened.
    const dataset = await loadBeir(datasetDir);
    const cached = JSON.parse(await readFile(featuresFile, "utf8")) as CachedFeatures;
    console.log(`train: ${dataset.name}: features from ${featuresFile}`);
    return summary(dataset.name, fromCache(cached, dataset.qrels), cached.idfs, k);
  }
  const { dataset, embedder, reranker, index } = await openEvalSetup(datasetDir, "train");
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
  return summary(dataset.name, queries, idfs, k);
}

/** The golden set of one user in the app's database (DATABASE_URL, or the PGlite directory). */
async function goldenExamples(email: string | undefined, k: number): Promise<Examples> {
  const opened = await openDb({ url: env.DATABASE_URL, pgliteDir: env.PGLITE_DIR }).catch((e: Error) => {
    if (e.name === "DatabaseLockedError") {
      throw new Error(`${e.message}: the app holds the PGlite directory while it runs; stop it, or use DATABASE_URL`);
    }
    throw e;
  });
  try {
    const { db } = opened;
    let userId: string;
    if (email) {
      const id = await getOwnerIdByEmail({ db, email });
      if (!id) throw new Error(`no user with the email ${email}`);
      userId = id;
    } else {
      const users = await listUsersWithLabels({ db });
      if (users.length === 0)
        throw new Error("no relevance labels in the database: label results in the inspect view first");
      if (users.length > 1) throw new Error(`${users.length} users have labels: choose one with --user <email>`);
      userId = users[0];
    }
    const [embedder, reranker] = await Promise.all([
      loadStarterEmbedder(env.MODELS_DIR, 2),
      loadStarterReranker(env.MODELS_DIR, { threads: 2 }),
    ]);
    const { queries, idfs, skipped } = await goldenTrainingQueries({
      db,
      userId,
      embedder,
      reranker,
      featureCount: FEATURE_NAMES.length,
      k,
    });
    const withRelevant = queries.filter((q) => q.documentIds.some((d) => (q.relevant.get(d) ?? 0) > 0));
    return {
      name: `golden:${email ?? userId}`,
      queries,
      idfs,
      note: `${queries.length} labelled queries (${skipped} without a readable relevant passage left out), ${withRelevant.length} with a relevant passage in the top ${k}`,
    };
  } finally {
    await opened.close();
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      dataset: { type: "string", default: "../shared/datasets/scifact" },
      user: { type: "string" },
      folds: { type: "string", default: "5" },
      k: { type: "string", default: "45" },
      "dry-run": { type: "boolean", default: false },
      features: { type: "string" },
    },
  });
  const k = Number(values.k);
  const folds = Number(values.folds);
  if (!Number.isInteger(folds) || folds < 2) throw new Error(`--folds must be an integer ≥ 2 (got "${values.folds}")`);
  if (values.user && values.dataset !== "golden") throw new Error("--user applies to --dataset golden only");
  const examples =
    values.dataset === "golden"
      ? await goldenExamples(values.user, k)
      : await beirExamples(values.dataset!, k, values.features);
  console.log(`train: ${examples.note}`);

  const result = await trainAndInstall({
    modelsDir: env.MODELS_DIR,
    dataset: examples.name,
    queries: examples.queries,
    idfs: examples.idfs,
    folds,
    trainedOn: `${examples.name} (${examples.queries.length} queries, top-${k} of the default fusion, pairwise logistic)`,
    dryRun: values["dry-run"],
  });
  console.log(`\n${formatTrainingReport(result)}`);
  if (result.installed) {
    await reloadRerankerWorkersAndReport("train", {
      url: env.RERANKER_URL,
      token: env.WORKER_TOKEN,
      protocol: env.RERANKER_PROTOCOL,
    });
    console.log(`train: roll back with npm run models:rollback -- ${result.activeVersion}`);
  }
}

main().catch((e) => {
  console.error(`train: ${(e as Error).message}`);
  process.exit(1);
});
