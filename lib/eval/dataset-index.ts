import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { openDb, type OpenedDb } from "@/db";
import { completeIngest, createDocumentWithJob } from "@/db/queries/documents";
import { ingestDocument } from "@/lib/ingest/pipeline";
import { analyzeForIndex } from "@/lib/text/analyze";
import type { Embedder } from "@/lib/models/types";
import { documentText, type BeirDataset } from "./beir";
import { progressBar } from "./progress";

const utf8 = new TextEncoder();

/**
 * Opens an embedded database holding the dataset's corpus, ingested through the app's own pipeline
 * (parse → chunk → embed → store). Cached under cacheDir by corpus, embedder and chunking, so
 * training and evaluation runs after the first start in seconds.
 */
export async function openDatasetIndex(args: {
  dataset: BeirDataset;
  embedder: Embedder;
  chunking: { size: number; overlap: number };
  cacheDir: string;
}): Promise<OpenedDb & { dir: string; fresh: boolean }> {
  const { dataset, embedder, chunking } = args;
  // The corpus by content (not path or mtime), so a re-copied dataset still finds its index.
  const corpusHash = createHash("sha256")
    .update(await readFile(path.join(dataset.dir, "corpus.jsonl")))
    .digest("hex");
  const key = createHash("sha256")
    .update(
      JSON.stringify([
        corpusHash,
        embedder.info,
        chunking,
        // The lexical analysis of a sample of this corpus: an analyser change that matters here rebuilds it.
        dataset.corpus.slice(0, 50).map((d) => analyzeForIndex(documentText(d))),
        "index-v2",
      ]),
    )
    .digest("hex")
    .slice(0, 12);
  const dir = path.resolve(args.cacheDir, `${dataset.name}-${key}`);
  const marker = `${dir}.complete`;
  if (existsSync(marker)) {
    return { ...(await openDb({ pgliteDir: dir })), dir, fresh: false };
  }
  await rm(dir, { recursive: true, force: true });
  const opened = await openDb({ pgliteDir: dir });
  try {
    const bar = progressBar(`indexing ${dataset.name}`, dataset.corpus.length);
    for (const doc of dataset.corpus) {
      const bytes = utf8.encode(documentText(doc));
      const ingested = await ingestDocument({ name: doc.id, type: "text/plain", bytes, chunking, embedder }).catch(
        () => null, // a document with no text is skipped, as the app would mark it failed
      );
      if (ingested) {
        const sha256 = createHash("sha256").update(bytes).digest("hex");
        const { id } = await createDocumentWithJob({
          db: opened.db,
          name: doc.id,
          type: "text/plain",
          size: bytes.length,
          sha256,
          raw: bytes,
        });
        await completeIngest({ db: opened.db, documentId: id, text: ingested.text, chunks: ingested.chunks });
      }
      bar.tick();
    }
    bar.done();
    await writeFile(marker, new Date().toISOString());
  } catch (e) {
    await opened.close();
    throw e;
  }
  return { ...opened, dir, fresh: true };
}

/**
 * The evaluation setup shared by `npm run eval` and `npm run train:reranker`: the dataset, the starter
 * models in-process, and the dataset's index under <PGLITE_DIR's parent>/eval.
 */
export async function openEvalSetup(datasetDir: string, label: string) {
  const [{ env }, { loadBeir }, { loadStarterEmbedder, loadStarterReranker }] = await Promise.all([
    import("@/lib/env"),
    import("./beir"),
    import("@/lib/models/starter"),
  ]);
  const dataset = await loadBeir(datasetDir);
  console.log(`${label}: ${dataset.name}: ${dataset.corpus.length} documents, ${dataset.queries.length} judged queries`);
  const embedder = await loadStarterEmbedder(env.MODELS_DIR, 2);
  const reranker = await loadStarterReranker(env.MODELS_DIR, { threads: 2 });
  const index = await openDatasetIndex({
    dataset,
    embedder,
    chunking: { size: env.CHUNK_SIZE, overlap: env.CHUNK_OVERLAP },
    cacheDir: path.join(path.dirname(env.PGLITE_DIR), "eval"),
  });
  return { dataset, embedder, reranker, index };
}
