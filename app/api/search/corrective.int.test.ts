import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

import type { OpenedDb } from "@/db";
import type { Principal } from "@/lib/auth/principal";
import type { RerankRequest } from "@/lib/models/types";
import type { CorrectiveParams, CorrectiveSearchResponse } from "@/lib/retrieval/corrective/loop";

// mode "corrective" through the real search and chat route handlers on PGlite, with no LLM configured (the
// score grader and RM3), on corpus.mock.ts's texts and scripted reranker; authentication
// is app/api/security.int.test.ts's subject, so the guard lets the local user in.

vi.mock("server-only", () => ({}));
const holder = vi.hoisted(() => ({ opened: undefined as OpenedDb | undefined, rerankQueries: [] as string[] }));
vi.mock("@/db", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@/db")>();
  return { ...actual, getDb: async () => holder.opened!.db };
});
vi.mock("@/lib/auth/guard", async () => {
  const { LOCAL_USER_ID } = await import("@/db/schema");
  return {
    async guard(): Promise<Principal> {
      return {
        userId: LOCAL_USER_ID,
        email: "local@example.test",
        name: "local",
        role: "admin",
        via: "session",
        scope: "write",
      };
    },
  };
});
vi.mock("@/lib/retrieval/server", async () => {
  const { hashedBowEmbedder } = await import("@/lib/models/testing/hashed-embedder");
  // BM25 alone, so the candidates follow from the texts.
  const embedder = { ...hashedBowEmbedder, covers: () => false };
  const { scriptedRerank } = await import("@/lib/retrieval/corrective/corpus.mock");
  const reranker = {
    async rerank(request: RerankRequest) {
      holder.rerankQueries.push(request.query);
      return { ok: true as const, wallMs: 1, response: scriptedRerank(request) };
    },
  };
  return { searchDependencies: async () => ({ db: holder.opened!.db, embedder, reranker }) };
});

const { env } = await import("@/lib/env");
const { openDb } = await import("@/db");
const { ingestFixture } = await import("@/db/testing");
const { getRetrievalRunById } = await import("@/db/queries/runs");
const { A, B, C, FILLER, QUESTION } = await import("@/lib/retrieval/corrective/corpus.mock");
const search = await import("./route");
const chat = await import("../chat/route");

const post = (route: string, body: unknown) =>
  new Request(`http://127.0.0.1:3410${route}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

const saved = { ...env };
beforeAll(async () => {
  Object.assign(env, {
    RERANK_CACHE_TTL_MS: 0,
    CORRECTIVE_MAX_ROUNDS: 2,
    CORRECTIVE_MIN_RELEVANT: 1,
    CORRECTIVE_GRADE_THRESHOLD: 0.5,
    LLM_BASE_URL: undefined,
    LLM_MODEL: undefined,
  });
  holder.opened = await openDb({ memory: true });
  await ingestFixture(holder.opened.db, [{ name: "garden.txt", chunks: [A, B, ...FILLER, C] }]);
});
afterAll(async () => {
  Object.assign(env, saved);
  await holder.opened?.close();
});

describe("POST /api/search with mode", () => {
  it("runs the corrective loop and returns and stores every round", async () => {
    holder.rerankQueries.length = 0;
    const res = await search.POST(post("/api/search", { query: QUESTION, k: 2, topN: 2, mode: "corrective" }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as CorrectiveSearchResponse;
    expect(body.mode).toBe("corrective");
    expect(body.corrective.rounds.map((r) => [r.query, r.decision.reason])).toEqual([
      [QUESTION, "weak_evidence"],
      [`${QUESTION} basics guide`, "enough_relevant"],
    ]);
    expect(body.corrective.rounds[1].rewrite).toMatchObject({ method: "rm3" });
    expect(body.results[0].text).toBe(C);
    expect(holder.rerankQueries).toEqual([QUESTION, QUESTION]);

    const run = await getRetrievalRunById({ db: holder.opened!.db, id: body.runId });
    expect((run!.params as CorrectiveParams).corrective.rounds).toHaveLength(2);
    expect(run!.results[0].text).toBe(C);
  });

  it("runs a single pass by default", async () => {
    const res = await search.POST(post("/api/search", { query: QUESTION, k: 2, topN: 2 }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).not.toHaveProperty("corrective");
    expect(body).not.toHaveProperty("mode");
  });

  it("refuses an unknown mode with a 400 naming the field", async () => {
    const res = await search.POST(post("/api/search", { query: QUESTION, mode: "loop" }));
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toMatch(/mode: /);
  });
});

describe("POST /api/chat with mode corrective", () => {
  it("answers from the best evidence of the rounds and records them with the run", async () => {
    const res = await chat.POST(post("/api/chat", { message: QUESTION, k: 2, topN: 2, mode: "corrective" }));
    expect(res.status).toBe(200);
    const stream = await res.text();
    const runId = /"runId":"([0-9a-f-]{36})"/.exec(stream)![1];
    const run = await getRetrievalRunById({ db: holder.opened!.db, id: runId });
    const params = run!.params as CorrectiveParams;
    expect(params.mode).toBe("corrective");
    expect(params.corrective.stopReason).toBe("enough_relevant");
    expect(params.corrective.evidenceChunkIds[0]).toBe(run!.results[0].chunkId);
    expect(run!.results[0].text).toBe(C);
  });

  it("refuses an unknown mode with a 400", async () => {
    const res = await chat.POST(post("/api/chat", { message: QUESTION, mode: "loop" }));
    expect(res.status).toBe(400);
  });
});
