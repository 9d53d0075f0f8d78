// What `npm run tune` needs from one ingested index, gathered once: each query's first-stage lists at
// every k of the sweep, and the reranker's kernel features of every chunk any setting could rerank.
// Fusions, k and reranker heads are then scored in memory (tune.ts) instead of re-querying per setting.
import { readFile, writeFile } from "node:fs/promises";
import type { Db } from "@/db";
import { getChunksByIds, getTermIdf, searchBm25, searchDense } from "@/db/queries/retrieval";
import type { Embedder } from "@/lib/models/types";
import type { LoadedReranker } from "@/lib/models/starter/reranker";
import { FEATURE_NAMES, FIRST_STAGE_FEATURES, MAX_QUERY_TOKENS, MAX_TOKENS } from "@/lib/models/starter/spec";
import { wordTokens } from "@/lib/models/word-tokens";
import type { Ranked } from "@/lib/retrieval/fusion";
import { rerankRequestFor } from "@/lib/retrieval/search";
import type { BeirDataset } from "./beir";
import { progressBar } from "./progress";

/**
 * The graph's own features per (query, passage), kernels then best matches (all but the first-stage
 * features): they depend on neither the other candidates nor the head.
 */
export const KERNEL_FEATURES = FEATURE_NAMES.length - FIRST_STAGE_FEATURES.length;

export interface TuneQuery {
  id: string;
  /** BM25's top max(ks): exact scores ordered by (score desc, chunk id), so top-k is its prefix. */
  bm25: Ranked[];
  /** Dense lists by the k they were fetched at (see denseFetchK). */
  dense: Record<number, Ranked[]>;
  /** Every chunk in any list: document, kernel and best-match features (KERNEL_FEATURES) and the passage tokens the reranker sees. */
  chunks: Record<number, { doc: string; kernel: number[]; tokens: number }>;
}

/**
 * The k a dense list for `k` is fetched at. searchDense sets ef_search = max(2k, 100), so every k ≤ 50
 * explores the same HNSW neighbourhood and its list is, up to the index's approximation, a prefix of one
 * list (on SciFact dense nDCG@10 at k = 15 was 0.2870 fetched at 15 and 0.2908 cut from 45; fused and
 * reranked agreed with `npm run eval` to 4 decimals); a larger k is fetched as such.
 */
export function denseFetchK(k: number, ks: number[]): number {
  return k <= 50 ? Math.max(...ks.filter((x) => x <= 50)) : k;
}

/** Gathers (or reads from cacheFile) the first-stage lists and kernel features of every query. */
export async function collectTuneData(args: {
  db: Db;
  dataset: BeirDataset;
  embedder: Embedder;
  reranker: LoadedReranker;
  ks: number[];
  cacheFile: string;
  label: string;
}): Promise<TuneQuery[]> {
  const { db, dataset, embedder, reranker, ks } = args;
  try {
    return JSON.parse(await readFile(args.cacheFile, "utf8")) as TuneQuery[];
  } catch {
    // not gathered yet
  }
  const maxK = Math.max(...ks);
  const denseKs = [...new Set(ks.map((k) => denseFetchK(k, ks)))];
  const out: TuneQuery[] = [];
  const bar = progressBar(`${args.label}: first stage + kernel features`, dataset.queries.length);
  for (const q of dataset.queries) {
    const [embedding] = await embedder.embed([q.text], { kind: "query" });
    const bm25 = await searchBm25({ db, query: q.text, k: maxK });
    const dense: Record<number, Ranked[]> = {};
    for (const k of denseKs)
      dense[k] = embedder.covers?.(q.text) === false ? [] : await searchDense({ db, embedding, k });
    const ids = [...new Set([...bm25, ...Object.values(dense).flat()].map((r) => r.chunkId))];
    const rows = await getChunksByIds({ db, ids, viewer: "all" });
    const termIdf = await getTermIdf({ db, words: [...new Set(wordTokens(q.text))] });
    // The first-stage features in this request are placeholders: tune.ts computes them per setting.
    const request = rerankRequestFor({
      query: q.text,
      candidates: rows.map((c, i) => ({
        chunkId: c.chunkId,
        text: c.text,
        bm25Score: null,
        vectorScore: null,
        fusedRank: i + 1,
      })),
      termIdf,
    });
    const { features } = rows.length ? await reranker.score(request) : { features: new Float32Array() };
    // Passage tokens after the reranker's truncation (rerank-inputs.ts tokeniseRequest): the query's
    // words come first, the passage fills the rest of MAX_TOKENS.
    const budget = MAX_TOKENS - Math.max(1, Math.min(MAX_QUERY_TOKENS, wordTokens(q.text).length));
    const tokens = rows.map((c) => Math.min(budget, wordTokens(c.text).length));
    const chunks: TuneQuery["chunks"] = {};
    const f = FEATURE_NAMES.length;
    rows.forEach((c, i) => {
      chunks[c.chunkId] = {
        doc: c.documentName,
        // 9 significant digits round-trip a float32 exactly, at half the JSON of its shortest double.
        kernel: Array.from(features.subarray(i * f, i * f + KERNEL_FEATURES), (x) => +x.toPrecision(9)),
        tokens: tokens[i],
      };
    });
    out.push({ id: q.id, bm25, dense, chunks });
    bar.tick();
  }
  bar.done();
  await writeFile(args.cacheFile, JSON.stringify(out));
  return out;
}
