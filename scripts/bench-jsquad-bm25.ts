// npx tsx scripts/bench-jsquad-bm25.ts [--dataset ../shared/datasets/jsquad] [--k1 0.9] [--b 0.4]
// BM25-only nDCG@10 / Recall@10 / MRR@10 on a BEIR dataset, one chunk per document (title + "\n\n" + text),
// through the app's real SQL (completeIngest postings, searchBm25) on an in-memory PGlite. No embeddings:
// every chunk gets the same dummy vector.
import { createHash } from "node:crypto";
import { parseArgs } from "node:util";
import { openDb } from "@/db";
import { completeIngest, createDocumentWithJob, refreshPlannerStats } from "@/db/queries/documents";
import { searchBm25 } from "@/db/queries/retrieval";
import { EMBEDDING_DIM } from "@/db/schema";
import { documentText, loadBeir } from "@/lib/eval/beir";
import { mean, mrrAt, ndcgAt, recallAt } from "@/lib/eval/metrics";

const { values } = parseArgs({
  options: {
    dataset: { type: "string", default: "../shared/datasets/jsquad" },
    k1: { type: "string", default: "0.9" },
    b: { type: "string", default: "0.4" },
  },
});

const dataset = await loadBeir(values.dataset!);
const { db, close } = await openDb({ memory: true });
const utf8 = new TextEncoder();
const embedding = new Array<number>(EMBEDDING_DIM).fill(1 / Math.sqrt(EMBEDDING_DIM));
const docOfChunk = new Map<string, string>(); // document uuid → dataset id
let t = performance.now();
for (const doc of dataset.corpus) {
  const text = documentText(doc);
  const raw = utf8.encode(text);
  const { id } = await createDocumentWithJob({
    db,
    name: doc.id,
    type: "text/plain",
    size: raw.length,
    sha256: createHash("sha256").update(raw).digest("hex"),
    raw,
  });
  await completeIngest({
    db,
    documentId: id,
    text,
    chunks: [{ position: 0, text, charStart: 0, charEnd: text.length, tokenCount: 1, embedding }],
  });
  docOfChunk.set(id, doc.id);
}
await refreshPlannerStats({ db, force: true });
const ingestMs = performance.now() - t;

// chunk id → dataset document id
const { getChunksByIds } = await import("@/db/queries/retrieval");
const k1 = Number(values.k1);
const b = Number(values.b);
const ndcg: number[] = [];
const recall: number[] = [];
const mrr: number[] = [];
const latency: number[] = [];
const chunkDoc = new Map<number, string>();
for (const q of dataset.queries) {
  const relevant = dataset.qrels.get(q.id);
  if (!relevant) continue;
  t = performance.now();
  const hits = await searchBm25({ db, query: q.text, k: 10, k1, b });
  latency.push(performance.now() - t);
  const missing = hits.map((h) => h.chunkId).filter((id) => !chunkDoc.has(id));
  for (const c of await getChunksByIds({ db, ids: missing })) chunkDoc.set(c.chunkId, docOfChunk.get(c.documentId)!);
  const ranked = hits.map((h) => chunkDoc.get(h.chunkId)!);
  ndcg.push(ndcgAt(ranked, relevant, 10));
  recall.push(recallAt(ranked, relevant, 10));
  mrr.push(mrrAt(ranked, relevant, 10));
}
latency.sort((x, y) => x - y);
console.log(
  `${dataset.name}: ${dataset.corpus.length} docs, ${ndcg.length} queries, k1 ${k1} b ${b}: ` +
    `nDCG@10 ${mean(ndcg).toFixed(4)}  Recall@10 ${mean(recall).toFixed(4)}  MRR@10 ${mean(mrr).toFixed(4)}  ` +
    `(ingest ${(ingestMs / 1000).toFixed(1)} s, query P50 ${latency[Math.floor(latency.length / 2)].toFixed(1)} ms)`,
);
await close();
