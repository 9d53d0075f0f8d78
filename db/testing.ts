// Test support for the db integration tests: fresh databases and fixture ingestion.
import { randomUUID, createHash } from "node:crypto";
import postgres from "postgres";
import { openDb, type Db, type OpenedDb } from "./index";
import { claimNextIngestJob, completeIngest, createDocumentWithJob, getDocumentContent } from "./queries/documents";
import { FIXTURE_DOCUMENTS, seededVector, type FixtureDocument } from "./fixtures/corpus";
import { wordTokens } from "@/lib/models/word-tokens";
import type { Embedder } from "@/lib/models/types";

export const PG_SERVER_HINT =
  "TEST_DATABASE_URL is not set: start the test PostgreSQL with `bash scripts/pg-test-server.sh start` " +
  "and export TEST_DATABASE_URL=<the URL it prints>";

/** The PostgreSQL the integration tests run against; its absence is a failure, not a skip. */
export function testDatabaseUrl(): string {
  const url = process.env.TEST_DATABASE_URL; // the tests' own switch, not app configuration
  if (!url) throw new Error(PG_SERVER_HINT);
  return url;
}

/** A brand-new database on the test server, dropped again on close. */
export async function openFreshPostgres(baseUrl: string): Promise<OpenedDb & { url: string }> {
  const name = `ranklens_t_${randomUUID().replace(/-/g, "").slice(0, 16)}`;
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const opened = await openDb({ url: url.toString() });
  return {
    ...opened,
    url: url.toString(),
    async close() {
      await opened.close();
      const drop = postgres(baseUrl, { max: 1, onnotice: () => {} });
      try {
        await drop.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await drop.end();
      }
    },
  };
}

export type IngestedFixture = {
  documentIds: string[];
  /** chunk id → its text and embedding, in insertion order. */
  chunks: { chunkId: number; documentId: string; text: string; embedding: number[] }[];
};

/** Ingests documents through the real job path: create → claim → complete. */
export async function ingestFixture(db: Db, docs: FixtureDocument[] = FIXTURE_DOCUMENTS): Promise<IngestedFixture> {
  const out: IngestedFixture = { documentIds: [], chunks: [] };
  let seed = 1;
  for (const doc of docs) {
    const raw = new TextEncoder().encode(doc.chunks.join("\n\n"));
    const { id } = await createDocumentWithJob({
      db,
      name: doc.name,
      type: "text/plain",
      size: raw.length,
      sha256: createHash("sha256").update(raw).digest("hex"),
      raw,
    });
    const job = await claimNextIngestJob({ db });
    if (job?.documentId !== id) throw new Error(`expected to claim ${id}, got ${job?.documentId}`);
    let offset = 0;
    const chunks = doc.chunks.map((text, position) => {
      const chunk = {
        position,
        text,
        charStart: offset,
        charEnd: offset + text.length,
        tokenCount: text.split(/\s+/).length,
        embedding: seededVector(seed++),
      };
      offset += text.length + 2;
      return chunk;
    });
    await completeIngest({ db, documentId: id, text: doc.chunks.join("\n\n"), chunks });
    const content = await getDocumentContent({ db, id });
    content!.chunks.forEach((c, i) =>
      out.chunks.push({ chunkId: c.chunkId, documentId: id, text: chunks[i].text, embedding: chunks[i].embedding }),
    );
    out.documentIds.push(id);
  }
  return out;
}

/**
 * Stores a ready document, one chunk per passage (joined by blank lines), its vectors from `embedder`:
 * for tests that search a small hand-written corpus with a real embedder. Returns the document id.
 */
export async function addReadyDocument({
  db,
  name,
  passages,
  embedder,
  ownerId,
}: {
  db: Db;
  name: string;
  passages: string[];
  embedder: Embedder;
  ownerId?: string;
}): Promise<string> {
  const text = passages.join("\n\n");
  const { id } = await createDocumentWithJob({
    db,
    name,
    type: "text/plain",
    size: text.length,
    sha256: name,
    raw: new TextEncoder().encode(text),
    ...(ownerId ? { ownerId } : {}),
  });
  const vectors = await embedder.embed(passages, { kind: "passage" });
  let offset = 0;
  await completeIngest({
    db,
    documentId: id,
    text,
    chunks: passages.map((p, position) => {
      const charStart = offset;
      offset += p.length + 2;
      return {
        position,
        text: p,
        charStart,
        charEnd: charStart + p.length,
        tokenCount: wordTokens(p).length,
        embedding: vectors[position],
      };
    }),
  });
  return id;
}
