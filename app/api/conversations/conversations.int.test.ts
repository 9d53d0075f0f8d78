import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { OpenedDb } from "@/db";

// Saved conversations through the real route handlers (chat, conversations, stop) on PGlite and
// PostgreSQL: follow-up retrieval queries from the earlier turns, scope, regenerate, stop, delete, the
// document-deletion trigger, and that one user never reaches another's conversation. As in
// app/api/golden/golden.int.test.ts, a stub guard reads the user from a test header; everything else is
// real (routes, queries, database, the extractive answer).

vi.mock("server-only", () => ({}));
const holder = vi.hoisted(() => ({ opened: undefined as OpenedDb | undefined }));
vi.mock("@/db", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@/db")>();
  return { ...actual, getDb: async () => holder.opened!.db };
});
vi.mock("@/lib/auth/guard", async () => ({ guard: (await import("@/app/api/route-mocks.testing")).headerGuard }));
vi.mock("@/lib/retrieval/server", async () => {
  const { hashedBowEmbedder: embedder } = await import("@/lib/models/testing/hashed-embedder");
  const reranker = (await import("@/app/api/route-mocks.testing")).orderedReranker(() => "identity");
  return { searchDependencies: async () => ({ db: holder.opened!.db, embedder, reranker }) };
});

const { env } = await import("@/lib/env");
const { openDb } = await import("@/db");
const { addReadyDocument, openFreshPostgres, testDatabaseUrl } = await import("@/db/testing");
const { deleteDocumentById } = await import("@/db/queries/documents");
const { getRetrievalRunById } = await import("@/db/queries/runs");
const { finishTurn, startTurn, stopTurn } = await import("@/db/queries/conversations");
const { queryRows } = await import("@/db/queries/sql");
const { searchDependencies } = await import("@/lib/retrieval/server");
const { sql } = await import("drizzle-orm");
const chatRoute = await import("../chat/route");
const listRoute = await import("./route");
const oneRoute = await import("./[id]/route");
const stopRoute = await import("./[id]/turns/[turnId]/stop/route");

type Detail = import("@/db/queries/conversations").ConversationDetail;
type Summary = import("@/db/queries/conversations").ConversationSummary;

const ORIGIN = "http://127.0.0.1:3999";
const ALICE = "alice-user";
const BOB = "bob-user";

function req(path: string, { user = ALICE, method = "GET", body }: { user?: string; method?: string; body?: unknown } = {}) {
  const headers = new Headers({ "x-test-user": user });
  if (body !== undefined) headers.set("content-type", "application/json");
  return new Request(`${ORIGIN}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
}
const ctx = <T extends Record<string, string>>(params: T) => ({ params: Promise.resolve(params) });

type StreamPart = { type: string; data?: unknown; delta?: string; messageId?: string; messageMetadata?: unknown };

/** POST /api/chat, read to the end: the stream's parts, or the error response. */
async function ask(body: object, user = ALICE) {
  const res = await chatRoute.POST(req("/api/chat", { user, method: "POST", body }));
  if (res.status !== 200) return { status: res.status, error: await res.json(), parts: [] as StreamPart[], text: "" };
  const raw = await res.text();
  const parts = raw
    .split("\n")
    .filter((l) => l.startsWith("data: ") && l !== "data: [DONE]")
    .map((l) => JSON.parse(l.slice(6)) as StreamPart);
  const text = parts.flatMap((p) => (p.type === "text-delta" ? [p.delta!] : [])).join("");
  return { status: 200, error: null, parts, text };
}
const partOf = <T,>(parts: StreamPart[], type: string) => parts.find((p) => p.type === type)?.data as T;

const getConversation = (id: string, user = ALICE) => oneRoute.GET(req(`/api/conversations/${id}`, { user }), ctx({ id }));
const list = async (user = ALICE) =>
  ((await (await listRoute.GET(req("/api/conversations", { user }))).json()) as { conversations: Summary[] })
    .conversations;

const DOCS: Record<string, string[]> = {
  "kiritomo-bell.txt": [
    "The Kiritomo tide bell was cast in bronze in 1741 by the foundry of Master Oyane.",
    "The bell was rung by the harbour keeper Sato at every spring tide.",
  ],
  "glasswing-moths.txt": [
    "Veltrane glasswing moths migrate over the salt marsh each autumn.",
    "The moths feed on marsh lavender and rest on the harbour walls.",
  ],
};

const databases: [string, () => Promise<OpenedDb>][] = [
  ["PGlite", () => openDb({ memory: true })],
  ["PostgreSQL", () => openFreshPostgres(testDatabaseUrl())],
];

describe.each(databases)("saved conversations on %s", (_name, open) => {
  const saved = { ...env };
  const docIds: Record<string, string> = {};

  beforeAll(async () => {
    Object.assign(env, { RERANK_CACHE_TTL_MS: 0, LLM_BASE_URL: undefined, LLM_MODEL: undefined });
    holder.opened = await open();
    const db = holder.opened.db;
    await queryRows(
      db,
      sql`INSERT INTO users (id, name, email) VALUES (${ALICE}, 'Alice', 'alice@example.test'),
          (${BOB}, 'Bob', 'bob@example.test')`,
    );
    const { embedder } = await searchDependencies();
    for (const [name, passages] of Object.entries(DOCS)) {
      docIds[name] = await addReadyDocument({ db, name, passages, embedder, ownerId: ALICE });
    }
  });
  afterAll(async () => {
    await holder.opened?.close();
    Object.assign(env, saved);
  });

  it("saves a conversation turn by turn; a follow-up searches with the earlier question's words", async () => {
    const id = crypto.randomUUID();
    const first = await ask({ conversationId: id, message: "When was the Kiritomo tide bell cast?", k: 10 });
    expect(first.status).toBe(200);
    const start = first.parts.find((p) => p.type === "start")!;
    const turnId = start.messageId!;
    expect(start.messageMetadata).toMatchObject({ turnId });
    expect(partOf(first.parts, "data-query")).toMatchObject({
      question: "When was the Kiritomo tide bell cast?",
      query: "When was the Kiritomo tide bell cast?",
      method: "first-turn",
    });
    expect(first.text).toContain("1741");

    const followUp = await ask({ conversationId: id, message: "Who rang it?", k: 10 });
    expect(followUp.status).toBe(200);
    const q = partOf<{ query: string; method: string; reason: string }>(followUp.parts, "data-query");
    expect(q).toMatchObject({ method: "context-terms", query: "Who rang it? kiritomo tide bell cast" });
    // The rewritten query ranks the bell document's passages first ("rang" alone matches no passage).
    const run = partOf<{ runId: string; results: { documentId: string }[] }>(followUp.parts, "data-run");
    expect(run.results.slice(0, 2).map((r) => r.documentId)).toEqual([
      docIds["kiritomo-bell.txt"],
      docIds["kiritomo-bell.txt"],
    ]);

    // The run records the question, the query used and the context.
    const record = await getRetrievalRunById({ db: holder.opened!.db, id: run.runId, userId: ALICE });
    expect(record!.query).toBe("Who rang it? kiritomo tide bell cast");
    expect((record!.params as unknown as { conversation: object }).conversation).toMatchObject({
      conversationId: id,
      question: "Who rang it?",
      retrievalQuery: "Who rang it? kiritomo tide bell cast",
      method: "context-terms",
      context: [{ question: "When was the Kiritomo tide bell cast?" }],
      addedTerms: ["kiritomo", "tide", "bell", "cast"],
    });

    const detail = (await (await getConversation(id)).json()) as Detail;
    expect(detail.title).toBe("When was the Kiritomo tide bell cast?");
    expect(detail.turns.map((t) => [t.position, t.question, t.status])).toEqual([
      [0, "When was the Kiritomo tide bell cast?", "done"],
      [1, "Who rang it?", "done"],
    ]);
    expect(detail.turns[0].id).toBe(turnId);
    expect(detail.turns[1]).toMatchObject({ retrievalQuery: q.query, runId: run.runId, answerMode: "extractive" });
    expect(detail.turns[1].answer).toBe(followUp.text);
    expect(detail.turns[1].citations[0]).toMatchObject({ n: 1, documentName: "kiritomo-bell.txt" });

    expect((await list()).map((c) => [c.id, c.title, c.turnCount])).toContainEqual([
      id,
      "When was the Kiritomo tide bell cast?",
      2,
    ]);
  });

  it("limits a question to chosen documents and keeps the scope on the turn and the conversation", async () => {
    const id = crypto.randomUUID();
    const moths = docIds["glasswing-moths.txt"];
    const res = await ask({ conversationId: id, message: "What rests on the harbour walls?", documentIds: [moths] });
    expect(res.status).toBe(200);
    const run = partOf<{ results: { documentId: string }[] }>(res.parts, "data-run");
    expect(run.results.length).toBeGreaterThan(0);
    expect(new Set(run.results.map((r) => r.documentId))).toEqual(new Set([moths]));
    expect(partOf(res.parts, "data-query")).toMatchObject({ documentIds: [moths] });
    const detail = (await (await getConversation(id)).json()) as Detail;
    expect(detail.documentIds).toEqual([moths]);
    expect(detail.turns[0].scopeDocumentIds).toEqual([moths]);
    expect(detail.documents).toEqual([{ id: moths, name: "glasswing-moths.txt" }]);

    // A scope naming a document that does not exist is refused, not searched smaller.
    const missing = await ask({ conversationId: id, message: "moths?", documentIds: [moths, crypto.randomUUID()] });
    expect(missing.status).toBe(404);
    expect(missing.error.error.message).toMatch(/One of the documents this question is limited to no longer exists/);
  });

  it("regenerates only the last answer, in place", async () => {
    const id = crypto.randomUUID();
    const a = await ask({ conversationId: id, message: "When was the Kiritomo tide bell cast?" });
    const b = await ask({ conversationId: id, message: "Who rang it?" });
    const firstTurn = a.parts.find((p) => p.type === "start")!.messageId!;
    const lastTurn = b.parts.find((p) => p.type === "start")!.messageId!;
    const oldRun = partOf<{ runId: string }>(b.parts, "data-run").runId;

    const again = await ask({ conversationId: id, replaceTurnId: lastTurn, message: "ignored: the saved question is re-asked" });
    expect(again.status).toBe(200);
    expect(again.parts.find((p) => p.type === "start")!.messageId).toBe(lastTurn);
    expect(partOf(again.parts, "data-query")).toMatchObject({ question: "Who rang it?", method: "context-terms" });
    const detail = (await (await getConversation(id)).json()) as Detail;
    expect(detail.turns).toHaveLength(2);
    expect(detail.turns[1].id).toBe(lastTurn);
    expect(detail.turns[1].runId).not.toBe(oldRun);
    expect(detail.turns[1].runId).toBe(partOf<{ runId: string }>(again.parts, "data-run").runId);

    expect((await ask({ conversationId: id, replaceTurnId: firstTurn, message: "x" })).status).toBe(409);
    expect((await ask({ replaceTurnId: lastTurn, message: "x" })).status).toBe(400);
  });

  it("a stop cuts the saved answer where the user stopped, before or after the stream ends", async () => {
    const db = holder.opened!.db;
    const id = crypto.randomUUID();
    const res = await ask({ conversationId: id, message: "When was the Kiritomo tide bell cast?" });
    const turnId = res.parts.find((p) => p.type === "start")!.messageId!;
    const stop = (chars: unknown, user = ALICE, turn = turnId) =>
      stopRoute.POST(
        req(`/api/conversations/${id}/turns/${turn}/stop`, { user, method: "POST", body: { chars } }),
        ctx({ id, turnId: turn }),
      );

    // After the stream: the saved answer is cut, citations beyond the cut dropped.
    expect((await stop(10)).status).toBe(204);
    let detail = (await (await getConversation(id)).json()) as Detail;
    expect(detail.turns[0]).toMatchObject({ status: "stopped", answer: res.text.slice(0, 10), citations: [] });

    // Before the stream ends: the later finish keeps the cut.
    const runId = partOf<{ runId: string }>(res.parts, "data-run").runId;
    const next = crypto.randomUUID();
    const rewrite = { method: "first-turn", reason: "test", context: [] };
    await startTurn({
      db,
      conversationId: id,
      turn: { id: next, question: "q", retrievalQuery: "q", rewrite, scopeDocumentIds: [], runId },
    });
    expect(await stopTurn({ db, conversationId: id, turnId: next, userId: ALICE, chars: 12 })).toBe(true);
    const citation = {
      n: 2,
      chunkId: 1,
      documentId: docIds["kiritomo-bell.txt"],
      charStart: 0,
      charEnd: 5,
      documentName: "kiritomo-bell.txt",
    };
    await finishTurn({
      db,
      turnId: next,
      answer: "First part [1] and then more [2].",
      answerMode: "extractive",
      citations: [{ ...citation, n: 1 }, citation],
      status: "done",
    });
    detail = (await (await getConversation(id)).json()) as Detail;
    expect(detail.turns[1]).toMatchObject({ status: "stopped", answer: "First part [", citations: [] });

    expect((await stop(-1)).status).toBe(400);
    expect((await stop("ten")).status).toBe(400);
    expect((await stop(5, BOB)).status).toBe(404);
    expect((await stop(5, ALICE, crypto.randomUUID())).status).toBe(404);
  });

  it("never shows, changes or continues one user's conversation for another", async () => {
    const id = crypto.randomUUID();
    expect((await ask({ conversationId: id, message: "When was the Kiritomo tide bell cast?" })).status).toBe(200);

    expect((await getConversation(id, BOB)).status).toBe(404);
    expect(await list(BOB)).toEqual([]);
    const bobAsks = await ask({ conversationId: id, message: "Who rang it?" }, BOB);
    expect(bobAsks.status).toBe(404);
    expect(bobAsks.error.error.message).toBe("No conversation with this id.");
    const patch = await oneRoute.PATCH(
      req(`/api/conversations/${id}`, { user: BOB, method: "PATCH", body: { title: "mine now" } }),
      ctx({ id }),
    );
    expect(patch.status).toBe(404);
    const del = await oneRoute.DELETE(req(`/api/conversations/${id}`, { user: BOB, method: "DELETE" }), ctx({ id }));
    expect(del.status).toBe(404);
    // Bob cannot scope a question to Alice's document either.
    const scoped = await ask({ message: "bell", documentIds: [docIds["kiritomo-bell.txt"]] }, BOB);
    expect(scoped.status).toBe(404);

    const detail = (await (await getConversation(id)).json()) as Detail;
    expect(detail.title).toBe("When was the Kiritomo tide bell cast?");
    expect(detail.turns).toHaveLength(1);
    // Without a user: 401.
    expect((await listRoute.GET(new Request(`${ORIGIN}/api/conversations`))).status).toBe(401);
  });

  it("answers bad input with clear 4xx errors", async () => {
    const id = crypto.randomUUID();
    await ask({ conversationId: id, message: "When was the Kiritomo tide bell cast?" });
    const patch = (body: unknown, target = id) =>
      oneRoute.PATCH(req(`/api/conversations/${target}`, { method: "PATCH", body }), ctx({ id: target }));

    expect((await getConversation("not-a-uuid")).status).toBe(404);
    expect((await getConversation(crypto.randomUUID())).status).toBe(404);
    const empty = await patch({});
    expect(empty.status).toBe(400);
    expect((await empty.json()).error.message).toMatch(/give a title or documentIds/);
    expect((await patch({ title: "   " })).status).toBe(400);
    expect((await patch({ title: "ok", owner: "x" })).status).toBe(400);
    expect((await patch({ documentIds: ["nope"] })).status).toBe(400);
    expect((await patch({ documentIds: [crypto.randomUUID()] })).status).toBe(404);
    expect((await patch("{not json")).status).toBe(400);
    expect((await patch({ title: "x" }, "not-a-uuid")).status).toBe(404);

    const renamed = await patch({ title: "Bell history", documentIds: [docIds["kiritomo-bell.txt"]] });
    expect(renamed.status).toBe(200);
    expect(await renamed.json()).toMatchObject({ title: "Bell history", documentIds: [docIds["kiritomo-bell.txt"]] });

    expect((await ask({ conversationId: id, message: "" })).status).toBe(400);
    expect((await ask({ conversationId: id, message: "x", documentIds: ["not-a-uuid"] })).status).toBe(400);
  });

  it("deletes a conversation (its runs stay); deleting a cited document redacts saved answers", async () => {
    const db = holder.opened!.db;
    const { embedder } = await searchDependencies();
    const doomed = await addReadyDocument({
      db,
      name: "doomed-ferry.txt",
      passages: ["The Quillmarsh ferry sank in the great storm of 1902."],
      embedder,
      ownerId: ALICE,
    });
    const id = crypto.randomUUID();
    const res = await ask({ conversationId: id, message: "When did the Quillmarsh ferry sink?", documentIds: [doomed] });
    expect(res.status).toBe(200);
    let detail = (await (await getConversation(id)).json()) as Detail;
    expect(detail.turns[0].answer).toContain("1902");

    expect(await deleteDocumentById({ db, id: doomed, ownerId: ALICE })).toBe(true);
    detail = (await (await getConversation(id)).json()) as Detail;
    expect(detail.turns[0]).toMatchObject({ answer: null, answerRedacted: true, scopeDocumentIds: [] });
    expect(detail.turns[0].citations[0]).toMatchObject({ documentName: "", deleted: true, documentId: doomed });
    expect(detail.documentIds).toEqual([]);
    expect(detail.documents).toEqual([]);

    const runId = partOf<{ runId: string }>(res.parts, "data-run").runId;
    const del = await oneRoute.DELETE(req(`/api/conversations/${id}`, { method: "DELETE" }), ctx({ id }));
    expect(del.status).toBe(204);
    expect((await getConversation(id)).status).toBe(404);
    expect((await list()).map((c) => c.id)).not.toContain(id);
    expect(await getRetrievalRunById({ db, id: runId, userId: ALICE })).not.toBeNull();
  });
});
