import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { openDb, type OpenedDb } from "@/db";
import { addReadyDocument } from "@/db/testing";
import { getRetrievalRunById, setRunAnswer } from "@/db/queries/runs";
import { createRerankClient } from "@/lib/rerank/client";

import { runSearch, searchParamsSchema } from "./search";
import { hashedBowEmbedder } from "@/lib/models/testing/hashed-embedder";

// runSearch against the real queries on in-memory PGlite and the real rerank client over HTTP
// (a scripted worker, and a port where nothing listens).

const embedder = hashedBowEmbedder;

const DOCS = {
  "rerank.md": [
    "A reranker reorders the candidates that hybrid retrieval returns.",
    "The reranker worker runs as its own process and answers over HTTP.",
    "Cross encoders read the query and the passage together.",
  ],
  "garden.txt": [
    "Tomatoes need full sun and deep watering.",
    "Roses are pruned in late winter before new growth.",
    "Compost improves the structure of clay soil.",
  ],
};

let opened: OpenedDb;
let worker: Server;
let workerUrl: string;
let deadUrl: string;

beforeAll(async () => {
  opened = await openDb({ memory: true });
  for (const [name, passages] of Object.entries(DOCS)) {
    await addReadyDocument({ db: opened.db, name, passages, embedder });
  }

  // A scripted worker: prefers passages that mention "process".
  worker = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const request = JSON.parse(body) as { candidates: { id: string; text: string }[] };
      const results = request.candidates
        .map((c, index) => {
          const score = c.text.includes("process") ? 0.9 : 0.1 + index / 1000;
          return { id: c.id, index, score, rawScore: score, truncatedTokens: 0 };
        })
        .sort((a, b) => b.score - a.score);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ model: { id: "scripted", version: "1" }, results, queueMs: 0.5, computeMs: 2 }));
    });
  });
  await new Promise<void>((resolve) => worker.listen(0, "127.0.0.1", resolve));
  workerUrl = `http://127.0.0.1:${(worker.address() as AddressInfo).port}`;

  const dead = createServer();
  await new Promise<void>((resolve) => dead.listen(0, "127.0.0.1", resolve));
  deadUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}`;
  await new Promise((resolve) => dead.close(resolve));
});

afterAll(async () => {
  await new Promise((resolve) => worker?.close(resolve));
  await opened?.close();
});

describe("runSearch on PGlite", () => {
  it("ranks, reranks through the worker, and records the run", async () => {
    const params = searchParamsSchema.parse({ query: "how does the reranker worker process run", k: 6 });
    const reranker = createRerankClient({ url: workerUrl, deadlineMs: 5000 });
    const res = await runSearch({ db: opened.db, embedder, reranker, params });

    expect(res.reranked).toBe(true);
    expect(res.results.length).toBeGreaterThan(0);
    expect(res.results.length).toBeLessThanOrEqual(6);
    expect(res.results[0].text).toBe("The reranker worker runs as its own process and answers over HTTP.");
    expect(res.results.map((r) => r.rerankRank)).toEqual(res.results.map((_, i) => i + 1));
    expect(res.results[0]).toMatchObject({ documentName: "rerank.md", charStart: DOCS["rerank.md"][0].length + 2 });
    expect(res.results[0].charEnd - res.results[0].charStart).toBe(res.results[0].text.length);
    expect(res.results[0].bm25Rank).not.toBeNull();
    expect(res.timings.rerankComputeMs).toBe(2);

    const run = await getRetrievalRunById({ db: opened.db, id: res.runId });
    expect(run).toMatchObject({
      runId: res.runId,
      query: params.query,
      reranked: true,
      rerankSkippedReason: null,
      rerankModel: { id: "scripted", version: "1" },
      answerChunkIds: [],
      answer: null,
    });
    expect(run!.results.map((r) => r.chunkId)).toEqual(res.results.map((r) => r.chunkId));
    expect(run!.params).toEqual(params);

    await setRunAnswer({
      db: opened.db,
      id: res.runId,
      answerChunkIds: [res.results[0].chunkId],
      answer: "It runs alone [1].",
    });
    expect(await getRetrievalRunById({ db: opened.db, id: res.runId })).toMatchObject({
      answerChunkIds: [res.results[0].chunkId],
      answer: "It runs alone [1].",
    });
  });

  it("answers from the fused order, marked not reranked, when the worker is down", async () => {
    const params = searchParamsSchema.parse({ query: "pruning roses in winter", k: 4 });
    const reranker = createRerankClient({ url: deadUrl, deadlineMs: 2000 });
    const res = await runSearch({ db: opened.db, embedder, reranker, params });

    expect(res.reranked).toBe(false);
    expect(res.rerankSkippedReason).toMatch(/reranker/);
    expect(res.results[0].text).toContain("Roses are pruned");
    expect(res.results.map((r) => r.fusedRank)).toEqual(res.results.map((_, i) => i + 1));
    expect(res.results.every((r) => r.rerankRank === null)).toBe(true);

    const run = await getRetrievalRunById({ db: opened.db, id: res.runId });
    expect(run).toMatchObject({ reranked: false, rerankSkippedReason: res.rerankSkippedReason, rerankModel: null });
  });

  it("restricts the search to the given documents", async () => {
    const all = await runSearch({
      db: opened.db,
      embedder,
      reranker: createRerankClient({ url: deadUrl, deadlineMs: 2000 }),
      params: searchParamsSchema.parse({ query: "reranker roses", rerank: false }),
    });
    const garden = all.results.find((r) => r.documentName === "garden.txt")!.documentId;
    const only = await runSearch({
      db: opened.db,
      embedder,
      reranker: createRerankClient({ url: deadUrl, deadlineMs: 2000 }),
      params: searchParamsSchema.parse({ query: "reranker roses", rerank: false, documentIds: [garden] }),
    });
    expect(only.results.length).toBeGreaterThan(0);
    expect(only.results.every((r) => r.documentId === garden)).toBe(true);
  });
});
