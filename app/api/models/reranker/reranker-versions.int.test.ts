import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { OpenedDb } from "@/db";
import type { Principal } from "@/lib/auth/principal";
import type { RerankRequest } from "@/lib/models/types";
import { hashedBowEmbedder } from "@/lib/models/testing/hashed-embedder";

// Learning from the golden set end to end, without the word vectors or a worker: a few documents and
// labels in a temp PGlite, training examples through the app's search path (nothing saved as runs), the
// install-only-if-better decision, then the version list and a roll back through the route handlers
// (local mode: a stub guard reads the user from a test header; admin-user is the admin). The model
// rebuild is stubbed (it reads 300 MB of word vectors); head-versions.test.ts covers the store.

vi.mock("server-only", () => ({}));
const holder = vi.hoisted(() => ({ rebuilt: [] as string[] }));
vi.mock("@/lib/auth/guard", async () => {
  const { AppError } = await import("@/lib/errors");
  return {
    async guard(request: Request, opts: { need: "read" | "write"; surface: string }): Promise<Principal> {
      const userId = request.headers.get("x-test-user");
      if (!userId) throw new AppError(`unauthorized:${opts.surface}` as "unauthorized:api", "no user");
      return {
        userId,
        email: `${userId}@example.test`,
        name: userId,
        role: userId === "admin-user" ? "admin" : "user",
        via: "session",
        scope: "write",
      };
    },
  };
});
vi.mock("@/lib/models/starter/activate", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@/lib/models/starter/activate")>();
  const { readActiveHead } = await import("@/lib/models/starter/head-versions");
  return {
    ...actual,
    // Records which head the model would be built from and writes the card a real build would.
    async rebuildReranker(modelsDir: string) {
      const active = (await readActiveHead(modelsDir))!;
      holder.rebuilt.push(active.version);
      const card = {
        id: "ranklens/knrm-glove-100d",
        kind: "reranker",
        version: `model-${holder.rebuilt.length}`,
        headVersion: active.version,
      };
      await writeFile(path.join(modelsDir, "knrm-glove-100d", "model.json"), JSON.stringify(card));
      return card;
    },
  };
});

const { env } = await import("@/lib/env");
const { openDb } = await import("@/db");
const { completeIngest, createDocumentWithJob } = await import("@/db/queries/documents");
const { queryRows } = await import("@/db/queries/sql");
const { sql } = await import("drizzle-orm");
const { wordTokens } = await import("@/lib/models/word-tokens");
const { goldenTrainingQueries } = await import("@/lib/eval/golden-training");
const { rebuildReranker } = await import("@/lib/models/starter/activate");
const { BUILTIN_VERSION, getActiveHeadVersion, installHeadVersion, readActiveHead } =
  await import("@/lib/models/starter/head-versions");
const { FEATURE_NAMES, untrainedHead } = await import("@/lib/models/starter/spec");
const { trainAndInstall } = await import("@/lib/models/starter/train-install");
const versionsRoute = await import("./versions/route");
const activeRoute = await import("./active/route");

const embedder = hashedBowEmbedder;
// Stands in for the reranker graph's features: feature 0 = share of query words in the passage.
const scorer = {
  async score(request: RerankRequest) {
    const q = new Set(wordTokens(request.query));
    const features = new Float32Array(request.candidates.length * FEATURE_NAMES.length);
    request.candidates.forEach((c, i) => {
      const words = new Set(wordTokens(c.text));
      features[i * FEATURE_NAMES.length] = [...q].filter((w) => words.has(w)).length / Math.max(1, q.size);
    });
    return { features };
  },
};

const DOCS = [
  "Basalt lava flows from shield volcanoes in long fluid rivers.",
  "Sourdough bread rises with wild yeast and lactic bacteria.",
  "A cast iron pan holds heat for searing steaks.",
  "Glaciers carve deep valleys as ice slowly moves downhill.",
  "Honeybees dance to tell the hive where flowers bloom.",
  "Tides rise and fall with the pull of the moon.",
];
const QUERIES: [query: string, relevantDoc: number][] = [
  ["basalt lava volcanoes", 0],
  ["sourdough yeast bread", 1],
  ["cast iron pan heat", 2],
  ["glaciers carve valleys ice", 3],
  ["honeybees dance hive", 4],
  ["tides moon pull", 5],
];

const ORIGIN = "http://127.0.0.1:3999";
const req = (p: string, user: string, body?: object) =>
  new Request(`${ORIGIN}${p}`, {
    method: body ? "POST" : "GET",
    headers: { "x-test-user": user, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });

describe("reranker learning from the golden set, versions and roll back", () => {
  const saved = { ...env };
  let opened: OpenedDb;
  let dataDir: string;
  let modelsDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "ranklens-learn-"));
    modelsDir = path.join(dataDir, "models");
    await mkdir(path.join(modelsDir, "knrm-glove-100d"), { recursive: true });
    // The built-in head ranks by the fewest query words: clearly worse than anything trained here.
    const bad = untrainedHead();
    bad.weights = bad.weights.map((_, j) => (j === 0 ? -1 : 0));
    await writeFile(
      path.join(modelsDir, "knrm-glove-100d", "head.json"),
      JSON.stringify({ ...bad, trainedOn: "committed" }),
    );
    // No worker listens on the discard port: the reload is reported as not done, nothing else happens.
    Object.assign(env, { MODELS_DIR: modelsDir, RERANKER_URL: "http://127.0.0.1:9" });

    opened = await openDb({ pgliteDir: path.join(dataDir, "pglite") });
    const db = opened.db;
    const chunkIds: number[] = [];
    const docIds: string[] = [];
    const vectors = await embedder.embed(DOCS, { kind: "passage" });
    for (const [i, text] of DOCS.entries()) {
      const { id } = await createDocumentWithJob({
        db,
        name: `doc${i}.txt`,
        type: "text/plain",
        size: text.length,
        sha256: `sha-${i}`,
        raw: new TextEncoder().encode(text),
      });
      await completeIngest({
        db,
        documentId: id,
        text,
        chunks: [{ position: 0, text, charStart: 0, charEnd: text.length, tokenCount: 10, embedding: vectors[i] }],
      });
      const [row] = await queryRows<{ id: number }>(db, sql`SELECT id FROM chunks WHERE document_id = ${id}`);
      chunkIds.push(Number(row.id));
      docIds.push(id);
    }
    for (const [query, rel] of QUERIES) {
      const [g] = await queryRows<{ id: string }>(
        db,
        sql`INSERT INTO golden_queries (user_id, query, normalized_query) VALUES ('local', ${query}, ${query}) RETURNING id`,
      );
      const other = (rel + 1) % DOCS.length;
      await queryRows(
        db,
        sql`INSERT INTO relevance_labels (golden_query_id, chunk_id, document_id, grade) VALUES
            (${g.id}, ${chunkIds[rel]}, ${docIds[rel]}, 2), (${g.id}, ${chunkIds[other]}, ${docIds[other]}, 0)`,
      );
    }
  });
  afterAll(async () => {
    Object.assign(env, { MODELS_DIR: saved.MODELS_DIR, RERANKER_URL: saved.RERANKER_URL });
    await opened?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  let installed = "";

  it("trains on the labelled queries and installs the head only when it beats the active one", async () => {
    const examples = await goldenTrainingQueries({
      db: opened.db,
      userId: "local",
      embedder,
      reranker: scorer,
      featureCount: FEATURE_NAMES.length,
      k: 10,
    });
    expect(examples.queries).toHaveLength(QUERIES.length);
    expect(examples.skipped).toBe(0);
    // Every document is a candidate (dense retrieval lists them all); labels are per chunk.
    for (const q of examples.queries) expect(q.documentIds).toHaveLength(DOCS.length);
    // Training reads the golden set without saving runs.
    const [runs] = await queryRows<{ n: number }>(opened.db, sql`SELECT count(*)::int AS n FROM retrieval_runs`);
    expect(runs.n).toBe(0);

    const train = (now: Date) =>
      trainAndInstall({
        modelsDir,
        dataset: "golden:local",
        queries: examples.queries,
        idfs: examples.idfs,
        folds: 3,
        trainedOn: "golden:local",
        train: { iterations: 100 },
        rebuild: rebuildReranker,
        now,
      });
    const first = await train(new Date("2026-11-25T15:00:00Z"));
    expect(first.folds).toHaveLength(3);
    expect(first.decision.meanCandidate).toBeGreaterThan(first.decision.meanActive);
    expect(first.decision.install).toBe(true);
    installed = first.installed!.version;
    expect(installed).toMatch(/^[0-9a-f]{8}-20261125T150000Z$/);
    expect(await getActiveHeadVersion(modelsDir)).toBe(installed);
    expect(holder.rebuilt).toEqual([installed]);

    // The same labels again give the same head: nothing new to install, the active version stays.
    const second = await train(new Date("2026-11-25T16:00:00Z"));
    expect(second.activeVersion).toBe(installed);
    expect(second.decision.install).toBe(false);
    expect(second.decision.reason).toMatch(/identical/);
    expect(await getActiveHeadVersion(modelsDir)).toBe(installed);
  });

  it("lists the versions with their metrics (all for admins, the active one for others)", async () => {
    const res = await versionsRoute.GET(req("/api/models/reranker/versions", "admin-user"));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.canManage).toBe(true);
    expect(body.active.version).toBe(installed);
    expect(body.model).toEqual({ id: "ranklens/knrm-glove-100d", version: "model-1", headVersion: installed });
    expect(body.versions.map((v: { version: string; active: boolean }) => [v.version, v.active])).toEqual([
      [installed, true],
      [BUILTIN_VERSION, false],
    ]);
    expect(body.versions[0].metrics).toMatchObject({
      dataset: "golden:local",
      queries: 6,
      comparedWith: BUILTIN_VERSION,
    });
    expect(body.versions[0].metrics.folds).toHaveLength(3);
    expect(typeof body.versions[0].metrics.meanGain).toBe("number");

    const user = await (await versionsRoute.GET(req("/api/models/reranker/versions", "bob"))).json();
    expect(user.canManage).toBe(false);
    expect(user.versions.map((v: { version: string }) => v.version)).toEqual([installed]);
  });

  it("rolls back through the API (admins only) and rebuilds from the earlier head", async () => {
    const post = (user: string, body: object) => activeRoute.POST(req("/api/models/reranker/active", user, body));
    expect((await post("bob", { version: BUILTIN_VERSION })).status).toBe(403);
    expect((await post("admin-user", { version: "../../etc/passwd" })).status).toBe(400);
    expect((await post("admin-user", { version: "deadbeef-20260101T000000Z" })).status).toBe(404);
    expect(await getActiveHeadVersion(modelsDir)).toBe(installed);

    const res = await post("admin-user", { version: BUILTIN_VERSION });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ version: BUILTIN_VERSION, previous: installed, model: { version: "model-2" } });
    expect(body.workers).toEqual([{ url: "http://127.0.0.1:9", ok: false, error: expect.any(String) }]);
    expect(holder.rebuilt.at(-1)).toBe(BUILTIN_VERSION);
    expect(await getActiveHeadVersion(modelsDir)).toBe(BUILTIN_VERSION);

    const list = await (await versionsRoute.GET(req("/api/models/reranker/versions", "admin-user"))).json();
    expect(list.active.version).toBe(BUILTIN_VERSION);
    expect(list.model.headVersion).toBe(BUILTIN_VERSION);
    // And forward again.
    expect((await post("admin-user", { version: installed })).status).toBe(200);
    expect(await getActiveHeadVersion(modelsDir)).toBe(installed);

    // A head trained before the graph's last features were added is listed as unusable and refused.
    const { head } = (await readActiveHead(modelsDir))!;
    const older = await installHeadVersion({
      modelsDir,
      head: { ...head, featureNames: head.featureNames.slice(0, 27), weights: head.weights.slice(0, 27) },
      metrics: null,
    });
    const rebuilds = holder.rebuilt.length;
    const refused = await post("admin-user", { version: older });
    expect(refused.status).toBe(409);
    expect((await refused.json()).error.message).toMatch(/reads 27 features.*retrain with npm run train:reranker/);
    expect(holder.rebuilt).toHaveLength(rebuilds);
    expect(await getActiveHeadVersion(modelsDir)).toBe(installed);
    const again = await (await versionsRoute.GET(req("/api/models/reranker/versions", "admin-user"))).json();
    const row = again.versions.find((v: { version: string }) => v.version === older);
    expect(row.unfit).toMatch(/reads 27 features/);
  });
});
