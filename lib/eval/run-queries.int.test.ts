import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { openDb, type OpenedDb } from "@/db";
import { ingestFixture } from "@/db/testing";
import { hashedBowEmbedder } from "@/lib/models/testing/hashed-embedder";
import { createRerankClient } from "@/lib/rerank/client";
import { A, B, C, FILLER, QUESTION, startScriptedWorker } from "@/lib/retrieval/corrective/corpus.mock";

import type { BeirDataset } from "./beir";
import { summarise, summariseMode } from "./report";
import { runDatasetQueriesByMode } from "./run-queries";

// The eval's two modes on in-memory PGlite, with the real rerank client over HTTP to the corrective loop's
// scripted worker (only "canes" scores as relevant) and the environment's corrective settings (no LLM: the
// score grader and RM3). BM25 alone finds A and B for the question; RM3's expansion reaches C.

const embedder = { ...hashedBowEmbedder, covers: () => false };

let opened: OpenedDb;
let worker: Awaited<ReturnType<typeof startScriptedWorker>>;

beforeAll(async () => {
  opened = await openDb({ memory: true });
  await ingestFixture(opened.db, [
    { name: "garden.txt", chunks: [A, B, ...FILLER] },
    { name: "canes.txt", chunks: [C] },
  ]);
  worker = await startScriptedWorker();
});

afterAll(async () => {
  await worker?.close();
  await opened?.close();
});

describe("eval in single and corrective mode", () => {
  it("runs each query in both modes and measures the corrective loop's merged evidence", async () => {
    const dataset: BeirDataset = {
      name: "roses",
      dir: "",
      corpus: [],
      queries: [
        { id: "q1", text: QUESTION },
        { id: "q2", text: QUESTION },
      ],
      qrels: new Map([
        ["q1", new Map([["canes.txt", 1]])],
        ["q2", new Map([["canes.txt", 1]])],
      ]),
    };
    const byMode = await runDatasetQueriesByMode({
      db: opened.db,
      dataset,
      embedder,
      reranker: createRerankClient({ url: worker.url, deadlineMs: 5000 }),
      params: { k: 2, topN: 2, fusion: "nvidia", rerank: true },
      modes: ["single", "corrective"],
    });
    const single = byMode.single!;
    const corrective = byMode.corrective!;
    expect(single.map((o) => o.queryId)).toEqual(["q1", "q2"]);
    expect(corrective.map((o) => o.queryId)).toEqual(["q1", "q2"]);

    // Single pass: only the garden passages; no loop.
    expect(single[0].rankings.reranked).toEqual(["garden.txt"]);
    expect(single[0].corrective).toBeUndefined();
    // Corrective: round 2 (the RM3 rewrite) finds C, merged ahead of round 1's passages; round 1's fused
    // ranking stays the first-stage ranking. One relevant passage < CORRECTIVE_MIN_RELEVANT (2): max rounds.
    expect(corrective[0].rankings.reranked).toEqual(["canes.txt", "garden.txt"]);
    expect(corrective[0].rankings.fused).toEqual(["garden.txt"]);
    expect(corrective[0].corrective).toEqual({ rounds: 2, stopReason: "max_rounds" });

    const summary = (mode: "single" | "corrective", outcomes: typeof single) =>
      summariseMode(summarise({ outcomes, qrels: dataset.qrels, fusion: "nvidia", k: 2, mode }), outcomes);
    const s = summary("single", single);
    const c = summary("corrective", corrective);
    expect(s.metrics["recall@10"]).toBe(0);
    expect(c.metrics).toMatchObject({ "ndcg@10": 1, "recall@10": 1, "mrr@10": 1 });
    expect(c).toMatchObject({ meanRounds: 2, rewroteShare: 1, tokensPerQuery: null, stopReasons: { max_rounds: 2 } });
    // The reranker is always asked with the question, in every round of the loop.
    expect(new Set(worker.queries)).toEqual(new Set([QUESTION]));
  });
});
