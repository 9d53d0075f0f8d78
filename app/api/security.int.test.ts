import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { OpenedDb } from "@/db";

// Authentication and authorisation through the real route handlers, in AUTH_MODE=accounts, on PGlite
// and on PostgreSQL: user B can neither see, search, nor get answers from user A's documents; no
// credentials → 401; a read-only key → 403 on writes; cross-site cookie mutations → 403; rate limits → 429;
// deleting purges the text everywhere it was copied. Real Better Auth sign-in, real ingestion.

vi.mock("server-only", () => ({}));
const holder = vi.hoisted(() => ({ opened: undefined as OpenedDb | undefined }));
vi.mock("@/db", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@/db")>();
  return { ...actual, getDb: async () => holder.opened!.db };
});

const { env } = await import("@/lib/env");
const { openDb } = await import("@/db");
const { openFreshPostgres, testDatabaseUrl } = await import("@/db/testing");
const { startIngestRunner } = await import("@/lib/ingest/runner");
const { getEmbedder } = await import("@/lib/models/server");
const { queryRows } = await import("@/db/queries/sql");
const { sql } = await import("drizzle-orm");
const authRoute = await import("./auth/[...all]/route");
const documents = await import("./documents/route");
const document = await import("./documents/[id]/route");
const content = await import("./documents/[id]/content/route");
const search = await import("./search/route");
const chat = await import("./chat/route");
const runs = await import("./runs/[id]/route");
const me = await import("./me/route");
const keys = await import("./keys/route");
const key = await import("./keys/[id]/route");
const adminUsers = await import("./admin/users/route");
const adminUser = await import("./admin/users/[id]/route");
const adminWorkspaces = await import("./admin/workspaces/route");
const members = await import("./admin/workspaces/[id]/members/route");

const ORIGIN = "http://127.0.0.1:3999";
const ADMIN = { email: "admin@example.test", password: "admin-password-1" };
const SECRET_TEXT =
  "Zanzibarite crystals resonate at the quintessence frequency. The zanzibarite lattice stores heat for decades.";

type Creds = { cookie?: string; bearer?: string; origin?: string };
function req(
  path: string,
  { method = "GET", body, creds = {} }: { method?: string; body?: BodyInit | object; creds?: Creds } = {},
) {
  const headers = new Headers();
  if (creds.cookie) headers.set("cookie", creds.cookie);
  if (creds.bearer) headers.set("authorization", `Bearer ${creds.bearer}`);
  if (method !== "GET") headers.set("origin", creds.origin ?? ORIGIN);
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers.set("content-type", "application/json");
    payload = JSON.stringify(body);
  }
  return new Request(`${ORIGIN}${path}`, { method, headers, body: payload });
}
const ctx = <T extends Record<string, string>>(params: T) => ({ params: Promise.resolve(params) });
const upload = (name: string, text: string, creds: Creds) => {
  const form = new FormData();
  form.append("file", new File([text], name, { type: "text/plain" }));
  return documents.POST(req("/api/documents", { method: "POST", body: form, creds }));
};

async function signIn(email: string, password: string): Promise<Creds> {
  const res = await authRoute.POST(req("/api/auth/sign-in/email", { method: "POST", body: { email, password } }));
  expect(res.status, await res.clone().text()).toBe(200);
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  expect(cookie).toMatch(/ranklens\.session_token=/);
  return { cookie };
}

const databases: [string, () => Promise<OpenedDb>][] = [
  ["PGlite", () => openDb({ memory: true })],
  ["PostgreSQL", () => openFreshPostgres(testDatabaseUrl())],
];

describe.each(databases)("security on %s (AUTH_MODE=accounts)", (_name, open) => {
  const saved = { ...env };
  let runner: ReturnType<typeof startIngestRunner>;
  let admin: Creds, a: Creds, b: Creds;
  let userA: string, userB: string;
  let docA: string;

  async function waitReady(id: string, creds: Creds) {
    for (let i = 0; i < 300; i++) {
      const body = await (await document.GET(req(`/api/documents/${id}`, { creds }), ctx({ id }))).json();
      if (body.status === "ready") return body;
      if (body.status === "failed") throw new Error(body.error);
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("never ready");
  }

  beforeAll(async () => {
    Object.assign(env, {
      AUTH_MODE: "accounts",
      APP_URL: ORIGIN,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
    });
    (globalThis as { __ranklensAuth?: unknown }).__ranklensAuth = undefined;
    holder.opened = await open();
    runner = startIngestRunner({ getDb: async () => holder.opened!.db, getEmbedder, sweepMs: 0 });
    admin = await signIn(ADMIN.email, ADMIN.password);
    for (const [email, name] of [
      ["a@example.test", "Alice"],
      ["b@example.test", "Bob"],
    ]) {
      const res = await adminUsers.POST(
        req("/api/admin/users", { method: "POST", body: { email, name, password: "correct-horse-1" }, creds: admin }),
      );
      expect(res.status).toBe(201);
    }
    a = await signIn("a@example.test", "correct-horse-1");
    b = await signIn("b@example.test", "correct-horse-1");
    userA = (await (await me.GET(req("/api/me", { creds: a }))).json()).user.id;
    userB = (await (await me.GET(req("/api/me", { creds: b }))).json()).user.id;
    const res = await upload("zanzibar-notes.txt", SECRET_TEXT, a);
    expect(res.status).toBe(202);
    docA = (await res.json()).id;
    await waitReady(docA, a);
  });
  afterAll(async () => {
    await runner?.stop();
    await holder.opened?.close();
    Object.assign(env, saved);
    (globalThis as { __ranklensAuth?: unknown }).__ranklensAuth = undefined;
  });

  it("answers 401 without credentials and never for a wrong password", async () => {
    for (const res of [
      await documents.GET(req("/api/documents")),
      await search.POST(req("/api/search", { method: "POST", body: { query: "zanzibarite" } })),
      await chat.POST(req("/api/chat", { method: "POST", body: { message: "zanzibarite" } })),
      await runs.GET(req("/api/runs/x"), ctx({ id: "00000000-0000-4000-8000-000000000000" })),
      await me.GET(req("/api/me")),
      await upload("x.txt", "some text here", {}),
    ]) {
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    }
    const wrong = await authRoute.POST(
      req("/api/auth/sign-in/email", {
        method: "POST",
        body: { email: "a@example.test", password: "wrong-password-1" },
      }),
    );
    expect(wrong.status).toBe(401);
    expect(wrong.headers.getSetCookie().join()).not.toMatch(/session_token=[^;]/);
    // Passwords are stored as scrypt hashes, never in clear.
    const [row] = await queryRows<{ password: string }>(
      holder.opened!.db,
      sql`SELECT password FROM accounts WHERE user_id = ${userA}`,
    );
    expect(row.password).not.toContain("correct-horse-1");
    expect(row.password).toMatch(/^[0-9a-f]+:[0-9a-f]+$/);
  });

  it("keeps user A's document out of everything user B can reach", async () => {
    const listB = await (await documents.GET(req("/api/documents", { creds: b }))).json();
    expect(listB.documents).toEqual([]);
    const listA = await (await documents.GET(req("/api/documents", { creds: a }))).json();
    expect(listA.documents.map((d: { id: string }) => d.id)).toEqual([docA]);

    expect((await document.GET(req(`/api/documents/${docA}`, { creds: b }), ctx({ id: docA }))).status).toBe(404);
    expect((await content.GET(req(`/api/documents/${docA}/content`, { creds: b }), ctx({ id: docA }))).status).toBe(
      404,
    );
    expect(
      (await document.DELETE(req(`/api/documents/${docA}`, { method: "DELETE", creds: b }), ctx({ id: docA }))).status,
    ).toBe(404);

    for (const body of [{ query: "zanzibarite lattice heat" }, { query: "zanzibarite", documentIds: [docA] }]) {
      const res = await (await search.POST(req("/api/search", { method: "POST", body, creds: b }))).json();
      expect(res.results).toEqual([]);
    }
    const answer = await (
      await chat.POST(
        req("/api/chat", { method: "POST", body: { message: "What do zanzibarite crystals do?" }, creds: b }),
      )
    ).text();
    expect(answer).not.toMatch(/quintessence|zanzibar-notes/i);

    const mine = await (
      await search.POST(req("/api/search", { method: "POST", body: { query: "zanzibarite lattice heat" }, creds: a }))
    ).json();
    expect(mine.results[0]).toMatchObject({ documentId: docA, documentName: "zanzibar-notes.txt" });
    // The run is A's alone.
    expect((await runs.GET(req(`/api/runs/${mine.runId}`, { creds: b }), ctx({ id: mine.runId }))).status).toBe(404);
    expect((await runs.GET(req(`/api/runs/${mine.runId}`, { creds: a }), ctx({ id: mine.runId }))).status).toBe(200);

    // The same bytes uploaded by B are B's own document, not a "duplicate" pointing at A's.
    const dup = await upload("copy.txt", SECRET_TEXT, b);
    expect(dup.status).toBe(202);
    const copy = (await dup.json()).id;
    expect(copy).not.toBe(docA);
    await waitReady(copy, b);
    expect(
      (await document.DELETE(req(`/api/documents/${copy}`, { method: "DELETE", creds: b }), ctx({ id: copy }))).status,
    ).toBe(204);
    expect(await (await upload("again.txt", SECRET_TEXT, a)).json()).toEqual({ id: docA, duplicate: true });
  });

  it("scopes API keys: read keys read, write keys write, revoked and foreign keys do nothing", async () => {
    const make = async (creds: Creds, scope: "read" | "write") => {
      const res = await keys.POST(req("/api/keys", { method: "POST", body: { name: `${scope} key`, scope }, creds }));
      expect(res.status).toBe(201);
      return res.json() as Promise<{ id: string; key: string; prefix: string }>;
    };
    const readA = await make(a, "read");
    const writeA = await make(a, "write");
    const readB = await make(b, "read");
    expect(readA.key).toMatch(/^rlk_[A-Za-z0-9_-]{43}$/);
    // Only the hash is stored; the listing shows the prefix.
    const listed = await (await keys.GET(req("/api/keys", { creds: a }))).json();
    expect(JSON.stringify(listed)).not.toContain(readA.key);
    expect(listed.keys.map((k: { prefix: string }) => k.prefix)).toContain(readA.prefix);

    const viaRead = await (await documents.GET(req("/api/documents", { creds: { bearer: readA.key } }))).json();
    expect(viaRead.documents.map((d: { id: string }) => d.id)).toEqual([docA]);
    const searched = await search.POST(
      req("/api/search", { method: "POST", body: { query: "zanzibarite" }, creds: { bearer: readA.key } }),
    );
    expect(searched.status).toBe(200);

    const denied = await upload("k.txt", "written with a read key", { bearer: readA.key });
    expect(denied.status).toBe(403);
    expect((await denied.json()).error.code).toBe("forbidden:upload");
    expect(
      (
        await document.DELETE(
          req(`/api/documents/${docA}`, { method: "DELETE", creds: { bearer: readA.key } }),
          ctx({ id: docA }),
        )
      ).status,
    ).toBe(403);
    const written = await upload("k.txt", "Written with a write key about basalt columns.", { bearer: writeA.key });
    expect(written.status).toBe(202);
    const keyDoc = (await written.json()).id;

    // Keys cannot mint keys; B's key sees nothing of A's.
    expect(
      (
        await keys.POST(
          req("/api/keys", { method: "POST", body: { name: "x", scope: "write" }, creds: { bearer: writeA.key } }),
        )
      ).status,
    ).toBe(403);
    const foreign = await (
      await search.POST(
        req("/api/search", { method: "POST", body: { query: "zanzibarite" }, creds: { bearer: readB.key } }),
      )
    ).json();
    expect(foreign.results).toEqual([]);

    expect(
      (await key.DELETE(req(`/api/keys/${readA.id}`, { method: "DELETE", creds: a }), ctx({ id: readA.id }))).status,
    ).toBe(204);
    expect((await documents.GET(req("/api/documents", { creds: { bearer: readA.key } }))).status).toBe(401);
    expect((await documents.GET(req("/api/documents", { creds: { bearer: "rlk_not-a-real-key" } }))).status).toBe(401);
    expect((await documents.GET(req("/api/documents", { creds: { bearer: "" } }))).status).toBe(401);
    await waitReady(keyDoc, a);
    expect(
      (
        await document.DELETE(
          req(`/api/documents/${keyDoc}`, { method: "DELETE", creds: { bearer: writeA.key } }),
          ctx({ id: keyDoc }),
        )
      ).status,
    ).toBe(204);
  });

  it("refuses cross-site cookie mutations and non-admins on admin routes", async () => {
    const evil = await upload("csrf.txt", "planted by another site", { ...a, origin: "http://evil.example" });
    expect(evil.status).toBe(403);
    const crossSite = new Request(`${ORIGIN}/api/documents/${docA}`, {
      method: "DELETE",
      headers: { cookie: a.cookie!, "sec-fetch-site": "cross-site" },
    });
    expect((await document.DELETE(crossSite, ctx({ id: docA }))).status).toBe(403);
    expect((await adminUsers.GET(req("/api/admin/users", { creds: a }))).status).toBe(403);
    expect(
      (
        await adminUsers.POST(
          req("/api/admin/users", {
            method: "POST",
            body: { email: "c@example.test", name: "C", password: "0123456789ab" },
            creds: a,
          }),
        )
      ).status,
    ).toBe(403);
  });

  it("answers 429 with Retry-After over the rate limit", async () => {
    const before = env.RATE_LIMIT_SEARCH;
    env.RATE_LIMIT_SEARCH = 3;
    const email = `busy-${Date.now()}@example.test`;
    await adminUsers.POST(
      req("/api/admin/users", {
        method: "POST",
        body: { email, name: "Busy", password: "correct-horse-1" },
        creds: admin,
      }),
    );
    const busy = await signIn(email, "correct-horse-1");
    try {
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let i = 0; i < 5; i++) {
        last = await search.POST(req("/api/search", { method: "POST", body: { query: "rate limited" }, creds: busy }));
        statuses.push(last.status);
      }
      expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
      expect(statuses.slice(3)).toEqual([429, 429]);
      expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(0);
      expect((await last!.json()).error.code).toBe("rate_limited:api");
      // Per user: A is not limited by another user's use.
      expect(
        (await search.POST(req("/api/search", { method: "POST", body: { query: "rate limited" }, creds: a }))).status,
      ).toBe(200);
    } finally {
      env.RATE_LIMIT_SEARCH = before;
    }
  });

  it("shares a document with a workspace only when its owner says so", async () => {
    const ws = await (
      await adminWorkspaces.POST(
        req("/api/admin/workspaces", { method: "POST", body: { name: "Geology" }, creds: admin }),
      )
    ).json();
    for (const userId of [userA, userB]) {
      expect(
        (
          await members.POST(
            req(`/api/admin/workspaces/${ws.id}/members`, { method: "POST", body: { userId }, creds: admin }),
            ctx({ id: ws.id }),
          )
        ).status,
      ).toBe(204);
    }
    const searchB = async () =>
      (
        await (
          await search.POST(req("/api/search", { method: "POST", body: { query: "zanzibarite lattice" }, creds: b }))
        ).json()
      ).results;
    expect(await searchB()).toEqual([]); // membership alone shares nothing

    // B cannot share A's document; A can.
    expect(
      (
        await document.PATCH(
          req(`/api/documents/${docA}`, { method: "PATCH", body: { workspaceId: ws.id }, creds: b }),
          ctx({ id: docA }),
        )
      ).status,
    ).toBe(404);
    expect(
      (
        await document.PATCH(
          req(`/api/documents/${docA}`, { method: "PATCH", body: { workspaceId: ws.id }, creds: a }),
          ctx({ id: docA }),
        )
      ).status,
    ).toBe(200);
    expect((await searchB())[0]).toMatchObject({ documentId: docA });
    expect(
      (await document.DELETE(req(`/api/documents/${docA}`, { method: "DELETE", creds: b }), ctx({ id: docA }))).status,
    ).toBe(404);

    expect(
      (
        await document.PATCH(
          req(`/api/documents/${docA}`, { method: "PATCH", body: { workspaceId: null }, creds: a }),
          ctx({ id: docA }),
        )
      ).status,
    ).toBe(200);
    expect(await searchB()).toEqual([]);
  });

  it("disabling a user ends their sessions and keys", async () => {
    const bKey = await (
      await keys.POST(req("/api/keys", { method: "POST", body: { name: "b", scope: "read" }, creds: b }))
    ).json();
    const res = await adminUser.PATCH(
      req(`/api/admin/users/${userB}`, { method: "PATCH", body: { disabled: true }, creds: admin }),
      ctx({ id: userB }),
    );
    expect(res.status).toBe(200);
    expect((await me.GET(req("/api/me", { creds: b }))).status).toBe(401);
    expect((await me.GET(req("/api/me", { creds: { bearer: bKey.key } }))).status).toBe(401);
    const again = await authRoute.POST(
      req("/api/auth/sign-in/email", {
        method: "POST",
        body: { email: "b@example.test", password: "correct-horse-1" },
      }),
    );
    expect(again.status).not.toBe(200);
    await adminUser.PATCH(
      req(`/api/admin/users/${userB}`, { method: "PATCH", body: { disabled: false }, creds: admin }),
      ctx({ id: userB }),
    );
    b = await signIn("b@example.test", "correct-horse-1");
  });

  it("deleting a document or a user purges its text from runs, chunks and the rerank cache", async () => {
    const db = holder.opened!.db;
    const stream = await (
      await chat.POST(
        req("/api/chat", { method: "POST", body: { message: "What do zanzibarite crystals store?" }, creds: a }),
      )
    ).text();
    const runId = /"runId":"([0-9a-f-]{36})"/.exec(stream)![1];
    const before = await (await runs.GET(req(`/api/runs/${runId}`, { creds: a }), ctx({ id: runId }))).json();
    expect(before.results[0].text).toMatch(/zanzibarite/i);
    expect(before.answer).toMatch(/zanzibarite/i);
    await db.execute(sql`INSERT INTO rerank_cache (key, model_id, model_version, document_ids, results)
                         VALUES ('k-test', 'm', '1', ARRAY[${docA}]::uuid[], '[]'::jsonb)`);

    expect(
      (await document.DELETE(req(`/api/documents/${docA}`, { method: "DELETE", creds: a }), ctx({ id: docA }))).status,
    ).toBe(204);

    const after = await (await runs.GET(req(`/api/runs/${runId}`, { creds: a }), ctx({ id: runId }))).json();
    // The query is the user's own words; everything copied from the document is gone.
    expect(JSON.stringify({ ...after, query: null, params: null })).not.toMatch(/zanzibar|quintessence/i);
    expect(after.results[0]).toMatchObject({ documentId: docA, deleted: true, text: "" });
    expect(after.answer).toBeNull();
    expect(after.answerRedacted).toBe(true);
    const [left] = await queryRows<{ chunks: unknown; cache: unknown; runs: unknown }>(
      db,
      sql`SELECT (SELECT count(*) FROM chunks c WHERE c.document_id = ${docA}) AS chunks,
                 (SELECT count(*) FROM rerank_cache WHERE ${docA} = ANY(document_ids)) AS cache,
                 (SELECT count(*) FROM retrieval_runs
                   WHERE results::text ILIKE '%zanzibar%' OR answer ILIKE '%zanzibar%') AS runs`,
    );
    expect(left).toEqual({ chunks: expect.anything(), cache: expect.anything(), runs: expect.anything() });
    expect([Number(left.chunks), Number(left.cache), Number(left.runs)]).toEqual([0, 0, 0]);

    // Deleting user A takes their documents, runs and keys with them.
    const res = await upload("more.txt", "Basalt columns cool into hexagons.", a);
    await waitReady((await res.json()).id, a);
    expect(
      (await adminUser.DELETE(req(`/api/admin/users/${userA}`, { method: "DELETE", creds: admin }), ctx({ id: userA })))
        .status,
    ).toBe(204);
    const [gone] = await queryRows<{ docs: unknown; runs: unknown; keys: unknown; sessions: unknown }>(
      db,
      sql`SELECT (SELECT count(*) FROM documents WHERE owner_id = ${userA}) AS docs,
                 (SELECT count(*) FROM retrieval_runs WHERE user_id = ${userA}) AS runs,
                 (SELECT count(*) FROM api_keys WHERE user_id = ${userA}) AS keys,
                 (SELECT count(*) FROM sessions WHERE user_id = ${userA}) AS sessions`,
    );
    expect(Object.values(gone).map(Number)).toEqual([0, 0, 0, 0]);
    expect((await me.GET(req("/api/me", { creds: a }))).status).toBe(401);
  });
});
