import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { openDb, type OpenedDb } from "@/db";
import { getRetrievalRunById } from "@/db/queries/runs";
import { ingestFixture } from "@/db/testing";
import { startMockOpenAIServer, type MockOpenAIServer } from "@/lib/generate/openai-server.mock";
import { hashedBowEmbedder } from "@/lib/models/testing/hashed-embedder";
import { createRerankClient } from "@/lib/rerank/client";
import { freePort } from "@/lib/net/free-port";
import { runSearch, searchParamsSchema } from "@/lib/retrieval/search";

import { A, B, C, FILLER, QUESTION, startScriptedWorker } from "./corpus.mock";

import { runCorrectiveSearch, type CorrectiveOptions, type CorrectiveParams } from "./loop";

// The corrective loop on in-memory PGlite with the real rerank client over HTTP to a scripted worker, and
// the LLM grader and rewriter against a local server speaking the OpenAI wire format.
//
// BM25 alone (the embedder covers nothing), so the rounds' candidates follow from the texts (corpus.mock.ts).

const embedder = { ...hashedBowEmbedder, covers: () => false };

let opened: OpenedDb;
let worker: Awaited<ReturnType<typeof startScriptedWorker>>;
let workerUrl: string;
let deadUrl: string;
let llm: MockOpenAIServer;
let gardenDoc: string;

const options = (o: Partial<CorrectiveOptions> = {}): Partial<CorrectiveOptions> => ({
  maxRounds: 2,
  threshold: 0.5,
  minRelevant: 1,
  llm: null,
  ...o,
});
const params = (extra: Record<string, unknown> = {}) =>
  searchParamsSchema.parse({ query: QUESTION, k: 2, topN: 2, ...extra });
const textOf = (id: number, results: { chunkId: number; text: string }[]) =>
  results.find((r) => r.chunkId === id)!.text;

beforeAll(async () => {
  opened = await openDb({ memory: true });
  const ingested = await ingestFixture(opened.db, [
    { name: "garden.txt", chunks: [A, B, ...FILLER] },
    { name: "canes.txt", chunks: [C] },
  ]);
  gardenDoc = ingested.documentIds[0];

  worker = await startScriptedWorker();
  workerUrl = worker.url;
  deadUrl = `http://127.0.0.1:${await freePort()}`;

  llm = await startMockOpenAIServer();
});

afterAll(async () => {
  await worker?.close();
  await llm?.close();
  await opened?.close();
});

beforeEach(() => {
  worker.queries.length = 0;
  llm.requests.length = 0;
  llm.reply = undefined;
  llm.usage = undefined;
});

/** The mock's usage per call: the grader's and the rewriter's differ, so the split can be checked. */
const usageByStep = (body: MockOpenAIServer["requests"][number]["body"]) =>
  String(body.messages?.find((m) => m.role === "system")?.content ?? "").startsWith("You rewrite")
    ? { prompt_tokens: 40, completion_tokens: 5 }
    : { prompt_tokens: 100, completion_tokens: 7 };

const run = (o: Partial<CorrectiveOptions>, p = params(), url = workerUrl) =>
  runCorrectiveSearch({
    db: opened.db,
    embedder,
    reranker: createRerankClient({ url, deadlineMs: 5000 }),
    params: p,
    rerankCacheTtlMs: 0,
    options: options(o),
  });

describe("corrective loop without an LLM (score grader, RM3)", () => {
  it("rewrites weak evidence with RM3 and stops when a round finds a relevant passage", async () => {
    const res = await run({});
    const [r1, r2] = res.corrective.rounds;
    expect(res.corrective.rounds).toHaveLength(2);

    expect(r1.query).toBe(QUESTION);
    expect(r1.ranking.map((r) => textOf(r.chunkId, res.results)).sort()).toEqual([A, B].sort());
    expect(r1.ranking[0]).not.toHaveProperty("text");
    expect(r1.grading).toMatchObject({ method: "score" });
    expect(r1.grading!.grades.map((g) => [g.relevant, g.score])).toEqual([
      [false, 0.2],
      [false, 0.2],
    ]);
    expect(r1.decision).toMatchObject({ action: "continue", reason: "weak_evidence" });

    expect(r2.rewrite).toMatchObject({ method: "rm3", query: "rose care basics guide" });
    expect(r2.rewrite!.terms!.map((t) => t.term)).toEqual(["basics", "guide"]);
    expect(r2.query).toBe("rose care basics guide");
    expect(textOf(r2.ranking[0].chunkId, res.results)).toBe(C);
    expect(r2.newPassages).toBeGreaterThanOrEqual(1);
    expect(r2.decision).toMatchObject({ action: "stop", reason: "enough_relevant" });
    expect(res.corrective.stopReason).toBe("enough_relevant");

    // The reranker judged every round against the question, not the rewritten query.
    expect(worker.queries).toEqual([QUESTION, QUESTION]);

    // Best evidence first, each passage once; ranks renumbered over the merged list.
    expect(res.results[0].text).toBe(C);
    expect(res.results.map((r) => r.text).sort()).toEqual([A, B, C].sort());
    expect(res.results.map((r) => r.rerankRank)).toEqual([1, 2, 3]);
    expect(res.corrective.evidenceChunkIds[0]).toBe(res.results[0].chunkId);
    expect(res.corrective.tokens).toBeUndefined();
    for (const r of res.corrective.rounds) expect(r.latencyMs).toBeGreaterThanOrEqual(r.timings.totalMs);

    const stored = await getRetrievalRunById({ db: opened.db, id: res.runId });
    expect(stored).toMatchObject({ query: QUESTION, reranked: true, rerankModel: { id: "scripted", version: "1" } });
    expect(stored!.results.map((r) => r.chunkId)).toEqual(res.results.map((r) => r.chunkId));
    const storedParams = stored!.params as CorrectiveParams;
    expect(storedParams.mode).toBe("corrective");
    expect(storedParams.corrective.rounds.map((r) => r.decision.reason)).toEqual(["weak_evidence", "enough_relevant"]);
  });

  it("never caches a rewritten round's reranking under the rewritten query", async () => {
    const reranker = createRerankClient({ url: workerUrl, deadlineMs: 5000 });
    const corrective = await runCorrectiveSearch({
      db: opened.db,
      embedder,
      reranker,
      params: params(),
      rerankCacheTtlMs: 60_000,
      options: options(),
    });
    const rewritten = corrective.corrective.rounds[1].query;
    worker.queries.length = 0;
    // A plain search for the rewritten text must be scored against that text, not served the question's scores.
    const single = await runSearch({
      db: opened.db,
      embedder,
      reranker,
      params: params({ query: rewritten }),
      rerankCacheTtlMs: 60_000,
    });
    expect(single.rerankCached).toBeUndefined();
    expect(worker.queries).toEqual([rewritten]);
  });

  it("stops after the first round when enough passages pass the threshold", async () => {
    const res = await run({ threshold: 0.1 });
    expect(res.corrective.rounds).toHaveLength(1);
    expect(res.corrective.stopReason).toBe("enough_relevant");
    expect(res.corrective.rounds[0].grading!.grades.every((g) => g.relevant)).toBe(true);
  });

  it("stops at the most rounds allowed, answering from the first round", async () => {
    const res = await run({ maxRounds: 1 });
    expect(res.corrective.rounds).toHaveLength(1);
    expect(res.corrective.rounds[0].decision).toMatchObject({ action: "stop", reason: "max_rounds" });
    expect(res.results.map((r) => r.chunkId)).toEqual(res.corrective.rounds[0].ranking.map((r) => r.chunkId));
  });

  it("stops when the rewritten query finds nothing new", async () => {
    // Within garden.txt alone, the expanded query still ranks A and B first.
    const res = await run({ maxRounds: 3 }, params({ documentIds: [gardenDoc] }));
    expect(res.corrective.rounds.map((r) => r.decision.reason)).toEqual(["weak_evidence", "no_new_passages"]);
    expect(res.corrective.rounds[1].newPassages).toBe(0);
    expect(res.corrective.stopReason).toBe("no_new_passages");
  });

  it("stops when the rewrite gives a query already tried, and keeps that rewrite on the round", async () => {
    // RM3 with no expansion terms gives back the question itself.
    const res = await run({ rm3: { terms: 0 } });
    expect(res.corrective.rounds).toHaveLength(1);
    const [r1] = res.corrective.rounds;
    expect(r1.decision).toMatchObject({ action: "stop", reason: "no_new_passages" });
    expect(r1.decision.detail).toMatch(/already tried/);
    expect(r1.discardedRewrite).toMatchObject({ method: "rm3", query: QUESTION, terms: [] });
    expect(r1.latencyMs).toBeGreaterThanOrEqual(r1.timings.totalMs + r1.discardedRewrite!.ms);
  });

  it("does not grade or rewrite when the reranker is down and no LLM is configured", async () => {
    const res = await run({}, params(), deadUrl);
    expect(res.reranked).toBe(false);
    expect(res.corrective.rounds).toHaveLength(1);
    expect(res.corrective.rounds[0].grading).toBeNull();
    expect(res.corrective.rounds[0].decision).toMatchObject({ action: "stop", reason: "not_graded" });
    expect(res.corrective.rounds[0].decision.detail).toMatch(/no LLM/);
  });
});

/** The mock LLM: grades passages that mention canes as relevant; rewrites to `rewrite`. */
function scriptedLlm({ grade = "valid", rewrite }: { grade?: "valid" | "not-json" | "short"; rewrite: string }) {
  return (body: MockOpenAIServer["requests"][number]["body"]) => {
    const system = String(body.messages?.find((m) => m.role === "system")?.content ?? "");
    const user = String(body.messages?.find((m) => m.role === "user")?.content ?? "");
    if (system.startsWith("You rewrite")) return rewrite;
    if (grade === "not-json") return "Passage 1 looks relevant, passage 2 does not.";
    const passages = [...user.matchAll(/<passage n="(\d+)">\n([^<]*)\n<\/passage>/g)];
    const grades = passages.map(([, n, text]) => ({ n: Number(n), relevant: text.includes("canes"), reason: "r" }));
    return "```json\n" + JSON.stringify({ grades: grade === "short" ? grades.slice(0, 1) : grades }) + "\n```";
  };
}

describe("corrective loop with an LLM (local OpenAI wire-format server)", () => {
  const config = () => ({ baseURL: llm.baseURL, model: "grader-model" });

  it("grades with the LLM's JSON, rewrites with its query and counts the tokens", async () => {
    llm.reply = scriptedLlm({ rewrite: JSON.stringify({ query: "canes guide" }) });
    llm.usage = usageByStep;
    const res = await run({ llm: config() });
    const [r1, r2] = res.corrective.rounds;
    expect(r1.grading).toMatchObject({ method: "llm" });
    expect(r1.grading!.grades.map((g) => [g.relevant, g.reason])).toEqual([
      [false, "r"],
      [false, "r"],
    ]);
    expect(r2.rewrite).toMatchObject({ method: "llm", query: "canes guide" });
    expect(r2.rewrite).not.toHaveProperty("fallbackReason");
    expect(r2.grading).toMatchObject({ method: "llm" });
    expect(res.corrective.stopReason).toBe("enough_relevant");
    expect(res.results[0].text).toBe(C);
    // grade, rewrite, grade: the mock reports 100 + 7 tokens per grader call, 40 + 5 per rewriter call.
    expect(llm.requests).toHaveLength(3);
    expect(res.corrective.tokens).toEqual({
      input: 240,
      output: 19,
      total: 259,
      grader: { input: 200, output: 14, total: 214 },
      rewriter: { input: 40, output: 5, total: 45 },
    });
    // Round 2 graded only C, the passage round 1 had not.
    expect(String(llm.requests[2].body.messages?.at(-1)?.content)).toContain(C);
    expect(String(llm.requests[2].body.messages?.at(-1)?.content)).not.toContain(A);
  });

  it("falls back to the score grader and RM3 when the LLM's replies are not valid JSON", async () => {
    llm.reply = scriptedLlm({ grade: "not-json", rewrite: "a better query would mention canes" });
    const res = await run({ llm: config() });
    const [r1, r2] = res.corrective.rounds;
    expect(r1.grading).toMatchObject({ method: "score" });
    expect(r1.grading!.fallbackReason).toMatch(/not JSON/);
    expect(r2.rewrite).toMatchObject({ method: "rm3", query: "rose care basics guide" });
    expect(r2.rewrite!.fallbackReason).toMatch(/not JSON/);
    expect(res.corrective.stopReason).toBe("enough_relevant");
    // Unusable replies still cost their tokens (10 + 10 per call by default).
    expect(res.corrective.tokens).toMatchObject({ input: 30, output: 30, total: 60 });
    expect(res.corrective.tokens!.rewriter).toEqual({ input: 10, output: 10, total: 20 });
  });

  it("falls back when the LLM's JSON does not grade every passage or its rewrite is invalid", async () => {
    llm.reply = scriptedLlm({ grade: "short", rewrite: JSON.stringify({ query: "   " }) });
    const res = await run({ llm: config() });
    const [r1, r2] = res.corrective.rounds;
    expect(r1.grading!.method).toBe("score");
    expect(r1.grading!.fallbackReason).toMatch(/graded 1 entries for 2 passages/);
    expect(r2.rewrite!.method).toBe("rm3");
    expect(r2.rewrite!.fallbackReason).toMatch(/wrong shape: query/);
  });

  it("falls back when the LLM endpoint fails", async () => {
    llm.mode = "fail";
    try {
      const res = await run({ llm: config(), maxRounds: 1 });
      expect(res.corrective.rounds[0].grading!.method).toBe("score");
      expect(res.corrective.rounds[0].grading!.fallbackReason).toMatch(/LLM call failed/);
    } finally {
      llm.mode = "ok";
    }
  });
});
