import type { Db } from "@/db";
import { getChunksByIds } from "@/db/queries/retrieval";
import type { Embedder, Reranker } from "@/lib/models/types";
import type { TokenUsage } from "@/lib/retrieval/corrective/llm-json";
import {
  searchInMode,
  type CorrectiveTokens,
  type RetrievalMode,
  type StopReason,
} from "@/lib/retrieval/corrective/loop";
import { type RerankClientLike, type SearchParams, type SearchResultRow, type Timings } from "@/lib/retrieval/search";
import type { BeirDataset } from "./beir";
import { citedDocuments } from "./citation-precision";
import { rankDocuments } from "./metrics";
import { progressBar } from "./progress";

export type Stage = "bm25" | "dense" | "fused" | "reranked";
export const STAGES: Stage[] = ["bm25", "dense", "fused", "reranked"];

export interface QueryOutcome {
  queryId: string;
  /** Document ids per stage, best first (a document scores as its best chunk). */
  rankings: Record<Stage, string[]>;
  timings: Timings;
  reranked: boolean;
  /** The fused candidates with every first-stage field, in fused order (training reads these). */
  candidates: SearchResultRow[];
  /** Document of each passage the extractive answer cites (when asked for `answers`). */
  citedDocumentIds?: string[];
  /** The corrective loop's course (mode "corrective" only). */
  corrective?: { rounds: number; stopReason: StopReason };
  /** LLM tokens this query spent (the corrective loop's grader and rewriter), when an LLM reported usage. */
  tokens?: QueryTokens;
}

/** Prompt and completion tokens, as the OpenAI wire format's `usage` counts them. */
export interface TokenCounts {
  prompt: number;
  completion: number;
}

/** One query's LLM tokens by the step that spent them. */
export interface QueryTokens {
  grader: TokenCounts;
  rewriter: TokenCounts;
}

const countsOf = (u: TokenUsage | undefined): TokenCounts => ({ prompt: u?.input ?? 0, completion: u?.output ?? 0 });

/** The loop's token usage as the eval records it per query (none when no LLM reported usage). */
export function queryTokensOf(tokens: CorrectiveTokens | undefined): QueryTokens | undefined {
  if (!tokens) return undefined;
  return { grader: countsOf(tokens.grader), rewriter: countsOf(tokens.rewriter) };
}

/** Runs a model in-process behind the same interface as the HTTP client. */
export function inProcessRerankClient(reranker: Reranker): RerankClientLike {
  return {
    async rerank(request) {
      const t0 = performance.now();
      try {
        const response = await reranker.rerank(request);
        return { ok: true, response, wallMs: performance.now() - t0 };
      } catch (e) {
        return { ok: false, reason: (e as Error).message, wallMs: performance.now() - t0 };
      }
    },
  };
}

type DatasetQueryArgs = {
  db: Db;
  dataset: BeirDataset;
  embedder: Embedder;
  reranker: RerankClientLike;
  params: Omit<SearchParams, "query">;
  limit?: number;
  /** Also compose each query's extractive answer and record what it cites (citation precision). */
  answers?: { minScore?: number };
};

/** Every dataset query through the app's own search path, with each stage's document ranking. */
export async function runDatasetQueries(args: DatasetQueryArgs & { mode?: RetrievalMode }): Promise<QueryOutcome[]> {
  const mode = args.mode ?? "single";
  return (await runDatasetQueriesByMode({ ...args, modes: [mode] }))[mode]!;
}

/**
 * Every dataset query in each mode, the modes in turn on each query (their order alternating from one
 * query to the next), so load on the machine and warm caches fall on every mode alike.
 * "corrective": the app's corrective loop with the environment's settings and LLM (none: the score
 * grader and RM3); its `reranked` ranking is the merged evidence, its bm25, dense and fused round 1's.
 */
export async function runDatasetQueriesByMode(
  args: DatasetQueryArgs & { modes: RetrievalMode[] },
): Promise<Partial<Record<RetrievalMode, QueryOutcome[]>>> {
  const { db, dataset, embedder, reranker, params, modes } = args;
  const queries = dataset.queries.slice(0, args.limit ?? dataset.queries.length);
  const label = modes.some((m) => m !== "single") ? ` (${modes.join(", ")})` : "";
  const bar = progressBar(`querying ${dataset.name}${label}`, queries.length);
  const names = new Map<number, string>();
  const docsOf = async (ranked: { chunkId: number; score: number }[]) => {
    const missing = ranked.map((r) => r.chunkId).filter((id) => !names.has(id));
    if (missing.length)
      for (const c of await getChunksByIds({ db, ids: missing })) names.set(c.chunkId, c.documentName);
    return rankDocuments(ranked.map((r) => ({ documentId: names.get(r.chunkId) ?? "", score: r.score })));
  };
  const out: Partial<Record<RetrievalMode, QueryOutcome[]>> = Object.fromEntries(modes.map((m) => [m, []]));
  for (const [i, q] of queries.entries()) {
    for (const mode of i % 2 ? [...modes].reverse() : modes) out[mode]!.push(await outcomeOf(q, mode));
    bar.tick();
  }
  bar.done();
  return out;

  async function outcomeOf(q: BeirDataset["queries"][number], mode: RetrievalMode): Promise<QueryOutcome> {
    let stages: { bm25: { chunkId: number; score: number }[]; dense: { chunkId: number; score: number }[] } | undefined;
    const res = await searchInMode(mode, {
      db,
      embedder,
      reranker,
      params: { ...params, query: q.text },
      // Evaluation measures the model on every query; a cached reranking would hide its latency.
      rerankCacheTtlMs: 0,
      onStages: (s) => {
        stages ??= s;
      },
    });
    const byRank = (key: "fusedRank" | "rerankRank") =>
      rankDocuments(
        res.results
          .filter((r) => r[key] !== null)
          .map((r) => ({ documentId: r.documentName, score: -(r[key] as number) })),
      );
    const loop = "corrective" in res ? res.corrective : undefined;
    // The merged evidence's order is its array order; its fused ranks come from different rounds.
    const firstRound = loop?.rounds[0];
    return {
      queryId: q.id,
      rankings: {
        bm25: await docsOf(stages?.bm25 ?? []),
        dense: await docsOf(stages?.dense ?? []),
        fused: firstRound
          ? rankDocuments(firstRound.ranking.map((r) => ({ documentId: r.documentName, score: -r.fusedRank })))
          : byRank("fusedRank"),
        reranked: loop
          ? rankDocuments(res.results.map((r, i) => ({ documentId: r.documentName, score: -i })))
          : res.reranked
            ? byRank("rerankRank")
            : byRank("fusedRank"),
      },
      timings: res.timings,
      reranked: res.reranked,
      candidates: [...res.results].sort((a, b) => a.fusedRank - b.fusedRank),
      ...(args.answers
        ? {
            citedDocumentIds: citedDocuments(q.text, res.results, {
              topN: params.topN,
              minScore: args.answers.minScore,
            }),
          }
        : {}),
      ...(loop ? { corrective: { rounds: loop.rounds.length, stopReason: loop.stopReason } } : {}),
      ...(loop?.tokens ? { tokens: queryTokensOf(loop.tokens) } : {}),
    };
  }
}
