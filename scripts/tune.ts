// npm run tune -- --dataset <BEIR dir> [--chunk-sizes 200,400,600] [--k 15,30,45,100]
//   [--fusion rrf:0.4/0.6,minmax:0.8,…] [--folds 5] [--seed 42] [--out .eval]
// Cross-validated choice of the search defaults for the starter models: every (chunk size, fusion, k) is
// scored per stage from first-stage lists and kernel features gathered once per chunk size (each size
// has its own cached index); the choice — per (chunk size, k) the best fusion whose fused stage is not
// below BM25, then the (chunk size, k) whose reranked nDCG@10 is best with a head trained on the same
// queries — is made on all but one fold and scored on that fold. Writes <out>/<dataset>-tune-<time>/
// tune.json and tune.md.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { env } from "@/lib/env";
import { loadBeir } from "@/lib/eval/beir";
import { openDatasetIndex } from "@/lib/eval/dataset-index";
import { mean } from "@/lib/eval/metrics";
import { progressBar } from "@/lib/eval/progress";
import { fusionLabel, parseFusion } from "@/lib/eval/report";
import { STAGES } from "@/lib/eval/run-queries";
import {
  assignFolds,
  chooseFusion,
  crossValidateSelection,
  headTrainer,
  METRICS,
  outOfFoldReranked,
  scoreSetting,
  selectDefaults,
  settingLabel,
  type Setting,
  type SettingScores,
} from "@/lib/eval/tune";
import { collectTuneData, type TuneQuery } from "@/lib/eval/tune-data";
import { loadStarterEmbedder, loadStarterReranker } from "@/lib/models/starter";
import { readActiveHead } from "@/lib/models/starter/head-versions";
import { FEATURE_NAMES, untrainedHead } from "@/lib/models/starter/spec";

/** The NVIDIA / LangChain preset's fusion (lib/retrieval/fusion.ts NVIDIA_FUSION), as the grid labels it. */
const NVIDIA_LABEL = "rrf:0.4/0.6";
const DEFAULT_FUSIONS =
  "rrf:0.4/0.6,rrf:0.5/0.5,rrf:0.6/0.4,rrf:0.7/0.3,rrf:0.8/0.2,minmax:0.5/0.5,minmax:0.6/0.4,minmax:0.7/0.3,minmax:0.8/0.2,minmax:0.9/0.1";
// Fewer Adam steps than train:reranker's 400 (held-out nDCG@10 on SciFact agreed to 1e-4) and no
// calibration (it never changes the order): the sweep fits one head per setting and fold.
const TUNE_TRAINING = { iterations: 100, calibrate: false };

const list = (v: string, what: string, ok: (n: number) => boolean) =>
  v.split(",").map((x) => {
    const n = Number(x);
    if (!ok(n)) throw new Error(`--${what}: "${x}" is not allowed`);
    return n;
  });

async function main() {
  const { values } = parseArgs({
    options: {
      dataset: { type: "string", default: "../shared/datasets/scifact" },
      "chunk-sizes": { type: "string", default: "200,400,600" },
      k: { type: "string", default: "15,30,45,100" },
      fusion: { type: "string", default: DEFAULT_FUSIONS },
      folds: { type: "string", default: "5" },
      seed: { type: "string", default: "42" },
      out: { type: "string", default: ".eval" },
    },
  });
  const chunkSizes = list(
    values["chunk-sizes"]!,
    "chunk-sizes",
    (n) => Number.isInteger(n) && n >= 100 && n <= 600 && n > env.CHUNK_OVERLAP,
  );
  const ks = list(values.k!, "k", (n) => Number.isInteger(n) && n >= 10 && n <= 200);
  const fusions = values.fusion!.split(",").map(parseFusion);
  const [folds] = list(values.folds!, "folds", (n) => Number.isInteger(n) && n >= 2 && n <= 20);
  const [seed] = list(values.seed!, "seed", Number.isInteger);

  const dataset = await loadBeir(values.dataset!);
  console.log(`tune: ${dataset.name}: ${dataset.corpus.length} documents, ${dataset.queries.length} judged queries`);
  const embedder = await loadStarterEmbedder(env.MODELS_DIR, 2);
  const reranker = await loadStarterReranker(env.MODELS_DIR, { threads: 2 });
  const active = (await readActiveHead(env.MODELS_DIR)) ?? { version: "untrained", head: untrainedHead() };

  const data = new Map<number, TuneQuery[]>();
  for (const size of chunkSizes) {
    const chunking = { size, overlap: env.CHUNK_OVERLAP };
    const index = await openDatasetIndex({
      dataset,
      embedder,
      chunking,
      cacheDir: path.join(path.dirname(env.PGLITE_DIR), "eval"),
    });
    try {
      data.set(
        size,
        await collectTuneData({
          db: index.db,
          dataset,
          embedder,
          reranker,
          ks,
          cacheFile: `${index.dir}.tune-k${ks.join("-")}-${FEATURE_NAMES.length}.json`,
          label: `chunk ${size}`,
        }),
      );
    } finally {
      await index.close();
    }
  }

  const gridBar = progressBar("scoring settings", chunkSizes.length * fusions.length * ks.length);
  const grid: SettingScores[] = [];
  for (const chunkSize of chunkSizes)
    for (const fusion of fusions)
      for (const k of ks) {
        grid.push(
          scoreSetting({
            data: data.get(chunkSize)!,
            qrels: dataset.qrels,
            setting: { chunkSize, fusion, k },
            ks,
            activeHead: active.head,
          }),
        );
        gridBar.tick();
      }
  gridBar.done();

  const foldOf = assignFolds(dataset.queries.length, folds, seed);
  const trainers = new Map<number, ReturnType<typeof headTrainer>>();
  const fitBar = progressBar("training heads", (folds + 1) * chunkSizes.length * ks.length * 2);
  for (const size of chunkSizes) {
    trainers.set(
      size,
      headTrainer({
        data: data.get(size)!,
        qrels: dataset.qrels,
        ks,
        train: TUNE_TRAINING,
        onFit: () => fitBar.tick(),
      }),
    );
  }
  const train = (s: Setting, idx: number[], key: string) => trainers.get(s.chunkSize)!(s, idx, key);
  const cv = crossValidateSelection({ grid, folds: foldOf, train });
  const all = foldOf.map((_, i) => i);
  const chosen = selectDefaults({ grid, idx: all, train, key: "all" });
  // The per-setting CV column: for each (chunk size, k), the fusion step 1 picks on all queries, plus the
  // NVIDIA preset and the previous default.
  const cvSettings: Setting[] = [];
  for (const chunkSize of chunkSizes)
    for (const k of ks) {
      cvSettings.push(
        chooseFusion(
          grid.filter((g) => g.setting.chunkSize === chunkSize && g.setting.k === k),
          all,
        ).setting,
      );
    }
  const find = (chunkSize: number, fusion: string, k: number) =>
    grid.find((g) => g.setting.chunkSize === chunkSize && g.setting.k === k && fusionLabel(g.setting.fusion) === fusion)
      ?.setting;
  for (const chunkSize of chunkSizes)
    cvSettings.push(...[find(chunkSize, NVIDIA_LABEL, 45)].filter((s) => s !== undefined));
  cvSettings.push(...[find(400, "minmax:0.8/0.2", 45)].filter((s) => s !== undefined));
  const oof = new Map<Setting, number>();
  for (const s of new Set(cvSettings)) oof.set(s, outOfFoldReranked({ setting: s, folds: foldOf, train }));
  fitBar.done();

  const rows = grid.map((g) => ({
    chunkSize: g.setting.chunkSize,
    fusion: fusionLabel(g.setting.fusion),
    k: g.setting.k,
    /** "<stage> <metric>" → mean over all queries; reranked with the active head. */
    metrics: Object.fromEntries(
      STAGES.flatMap((st) => METRICS.map((m) => [`${st} ${m}`, +mean(g.perQuery[st][m]).toFixed(4)])),
    ),
    cvRerankedNdcg10: oof.has(g.setting) ? +oof.get(g.setting)!.toFixed(4) : null,
  }));
  const f4 = (x: number) => x.toFixed(4);
  const result = {
    dataset: dataset.name,
    queries: dataset.queries.length,
    createdAt: new Date().toISOString(),
    grid: {
      chunkSizes,
      fusions: fusions.map(fusionLabel),
      ks,
      chunkOverlap: env.CHUNK_OVERLAP,
      topN: env.RERANK_TOP_N,
    },
    folds,
    seed,
    headTraining: TUNE_TRAINING,
    activeHead: active.version,
    procedure:
      "per (chunk size, k): the fusion with the best fused nDCG@10 among those not below BM25; then the (chunk size, k) with the best reranked nDCG@10, head trained on the same queries",
    crossValidation: { ...cv, cv: { bm25: +f4(cv.cv.bm25), fused: +f4(cv.cv.fused), reranked: +f4(cv.cv.reranked) } },
    chosen: {
      setting: settingLabel(chosen.setting),
      chunkSize: chosen.setting.chunkSize,
      fusion: fusionLabel(chosen.setting.fusion),
      k: chosen.setting.k,
      selectionNdcg10: chosen.selectionNdcg10,
    },
    settings: rows,
  };

  const md: string[] = [
    `# Tuning on ${dataset.name} (${dataset.queries.length} queries, ${folds}-fold CV, seed ${seed})`,
    "",
    `Chosen on all queries: **${result.chosen.setting}** (top_n ${env.RERANK_TOP_N}).`,
    "",
    `CV score of the selection procedure (held-out folds): reranked nDCG@10 **${f4(cv.cv.reranked)}**, fused ${f4(cv.cv.fused)}, BM25 ${f4(cv.cv.bm25)}.`,
    "",
    "| fold | queries | chosen on the other folds | BM25 | fused | reranked |",
    "|---|---|---|---|---|---|",
    ...cv.folds.map(
      (f) =>
        `| ${f.fold} | ${f.queries} | ${f.chosen} | ${f4(f.heldOut.bm25)} | ${f4(f.heldOut.fused)} | ${f4(f.heldOut.reranked)} |`,
    ),
    "",
    `Per setting, all queries. "reranked (active)" uses the active head (${active.version}), trained on these queries: optimistic. "reranked CV" is out-of-fold (a head trained on the other folds).`,
    "",
    `| chunk | fusion | k | BM25 nDCG@10 | dense nDCG@10 | fused nDCG@10 | fused recall@45 | reranked (active) nDCG@10 | reranked CV nDCG@10 |`,
    "|---|---|---|---|---|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| ${r.chunkSize} | ${r.fusion} | ${r.k} | ${["bm25 ndcg@10", "dense ndcg@10", "fused ndcg@10", "fused recall@45", "reranked ndcg@10"].map((m) => f4(r.metrics[m])).join(" | ")} | ${r.cvRerankedNdcg10 === null ? "" : f4(r.cvRerankedNdcg10)} |`,
    ),
  ];
  const dir = path.join(values.out!, `${dataset.name}-tune-${result.createdAt.replace(/[:.]/g, "-")}`);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "tune.json"), `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(path.join(dir, "tune.md"), `${md.join("\n")}\n`);
  console.log(`\n${md.slice(0, 12).join("\n")}`);
  console.log(`\ntune: wrote ${path.join(dir, "tune.json")} and tune.md`);
}

main().catch((e) => {
  console.error(`tune: ${(e as Error).message}`);
  process.exit(1);
});
