import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { openDb, type OpenedDb } from "@/db";
import { addReadyDocument } from "@/db/testing";
import { getRetrievalRunById } from "@/db/queries/runs";
import { EMBEDDING_DIM } from "@/db/schema/chunks";
import { startMockEmbeddingsServer, type MockEmbeddingsServer } from "@/lib/models/openai-embeddings-server.mock";
import { createRemoteEmbedder } from "@/lib/models/remote-embedder";
import type { Embedder } from "@/lib/models/types";
import { createRerankClient } from "@/lib/rerank/client";
import { sigmoid } from "@/lib/rerank/protocols";
import {
  mockLogit,
  startMockRerankServer,
  type MockRerankServer,
  type RemoteProtocol,
} from "@/lib/rerank/remote-rerank-server.mock";

import { runSearch, searchParamsSchema } from "./search";

// runSearch on in-memory PGlite with remote backends over real HTTP: an OpenAI-compatible embeddings
// server embeds the corpus and the queries, and NIM, TEI and Cohere rerank servers reorder the
// candidates — or misbehave (500, 429, silence, malformed JSON) and the search answers from the fused order.

const PASSAGES = [
  "A reranker reorders the candidates that hybrid retrieval returns.",
  "The reranker worker runs as its own process and answers over HTTP.",
  "Cross encoders read the query and the passage together.",
  "Tomatoes need full sun and deep watering.",
  "Roses are pruned in late winter before new growth.",
  "Compost improves the structure of clay soil.",
];
/** The remotes boost passages with this word: the cross-encoder passage, not fused first for QUERY. */
const BOOST = "encoders";
const BOOSTED = PASSAGES[2];
const QUERY = "how does the reranker reorder candidates";

let opened: OpenedDb;
let embeddings: MockEmbeddingsServer;
let embedder: Embedder;
const remotes: MockRerankServer[] = [];

beforeAll(async () => {
  opened = await openDb({ memory: true });
  embeddings = await startMockEmbeddingsServer({ dimension: EMBEDDING_DIM });
  embedder = createRemoteEmbedder({
    url: embeddings.baseURL,
    model: "mock-embed",
    dimension: EMBEDDING_DIM,
    apiKey: "sk-embed",
    queryPrefix: "query: ",
    passagePrefix: "passage: ",
    batchSize: 4,
  });
  await addReadyDocument({ db: opened.db, name: "notes.md", passages: PASSAGES, embedder });
});

afterAll(async () => {
  await Promise.all(remotes.map((r) => r.close()));
  await embeddings?.close();
  await opened?.close();
});

async function remote(protocol: RemoteProtocol, options: Partial<Parameters<typeof startMockRerankServer>[0]> = {}) {
  const server = await startMockRerankServer({ protocol, boost: BOOST, apiKey: "sk-rerank", ...options });
  remotes.push(server);
  return server;
}

const search = (reranker: ReturnType<typeof createRerankClient>, rerankCacheTtlMs = 0) =>
  runSearch({
    db: opened.db,
    embedder,
    reranker,
    params: searchParamsSchema.parse({ query: QUERY, k: 6 }),
    rerankCacheTtlMs,
  });

describe("remote embeddings", () => {
  it("embedded the corpus in batches with the passage prefix, and embeds queries with the query prefix", async () => {
    const passageCalls = embeddings.calls.slice(0, 2);
    expect(passageCalls.map((c) => c.body.input)).toEqual([
      PASSAGES.slice(0, 4).map((p) => `passage: ${p}`),
      PASSAGES.slice(4).map((p) => `passage: ${p}`),
    ]);
    const before = embeddings.calls.length;
    const res = await runSearch({
      db: opened.db,
      embedder,
      reranker: createRerankClient({ url: "http://127.0.0.1:9", deadlineMs: 500 }),
      params: searchParamsSchema.parse({ query: "pruning roses in winter", rerank: false }),
    });
    expect(embeddings.calls.slice(before).map((c) => c.body.input)).toEqual(
      ["query: pruning roses in winter"].map((q) => [q]),
    );
    expect(embeddings.calls.at(-1)?.headers.authorization).toBe("Bearer sk-embed");
    // Dense retrieval works on the remote's vectors: the roses passage is the nearest.
    const roses = res.results.find((r) => r.text.startsWith("Roses"))!;
    expect(roses.vectorRank).toBe(1);
  });
});

describe.each<RemoteProtocol>(["nim", "tei", "cohere"])("runSearch reranked by %s", (protocol) => {
  const client = (server: MockRerankServer, deadlineMs = 3000) =>
    createRerankClient({ url: server.url, deadlineMs, protocol, model: "acme/rerank", token: "sk-rerank" });

  it("reorders the candidates by the remote's scores and records the remote model", async () => {
    const server = await remote(protocol);
    const res = await search(client(server));
    expect(res.reranked).toBe(true);
    expect(res.results[0].text).toBe(BOOSTED);
    expect(res.results[0].fusedRank).toBeGreaterThan(1);
    expect(res.results[0].rerankScore).toBeCloseTo(sigmoid(mockLogit(QUERY, BOOSTED, BOOST)), 10);
    const scores = res.results.map((r) => r.rerankScore!);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(res.results.map((r) => r.rerankRank)).toEqual(res.results.map((_, i) => i + 1));
    expect(server.calls).toHaveLength(1);

    const run = await getRetrievalRunById({ db: opened.db, id: res.runId });
    expect(run).toMatchObject({ reranked: true, rerankModel: { id: `${protocol}:acme/rerank`, version: "remote" } });
  });

  it("serves a repeated search from the rerank cache under the remote model", async () => {
    const server = await remote(protocol);
    const first = await search(client(server), 60_000);
    const second = await search(client(server), 60_000);
    expect(first.reranked && second.reranked).toBe(true);
    expect(second.rerankCached).toBe(true);
    expect(second.results.map((r) => r.chunkId)).toEqual(first.results.map((r) => r.chunkId));
    expect(server.calls).toHaveLength(1);
  });

  it.each([
    ["error", 3000, /^reranker returned HTTP 500: scripted failure: model crashed$/],
    ["rate-limit", 3000, /^reranker rate-limited \(HTTP 429, retry after 30 s\): too many requests$/],
    ["hang", 300, /^reranker deadline exceeded \(300 ms\)$/],
    ["malformed", 3000, /^reranker returned malformed JSON \(HTTP 200\)$/],
  ] as const)("fails open when the remote answers %s", async (mode, deadlineMs, reason) => {
    const server = await remote(protocol, { mode, retryAfter: "30" });
    const res = await search(client(server, deadlineMs));
    expect(res.reranked).toBe(false);
    expect(res.rerankSkippedReason).toMatch(reason);
    expect(res.results.map((r) => r.fusedRank)).toEqual(res.results.map((_, i) => i + 1));
    expect(res.results.every((r) => r.rerankRank === null && r.rerankScore === null)).toBe(true);
    const run = await getRetrievalRunById({ db: opened.db, id: res.runId });
    expect(run).toMatchObject({ reranked: false, rerankSkippedReason: res.rerankSkippedReason, rerankModel: null });
  });
});
