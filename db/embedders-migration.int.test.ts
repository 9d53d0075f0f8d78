import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDb, type OpenedDb } from "./index";
import { migrate, MIGRATIONS_FOLDER } from "./migrate";
import { searchDense } from "./queries/retrieval";
import { queryRows } from "./queries/sql";
import { seededVector } from "./fixtures/corpus";
import { openFreshPostgres, testDatabaseUrl } from "./testing";

// drizzle/0008 on a database that already holds vectors in chunks.embedding: they become the starter
// embedder's, with its partial index, and dense search finds them as before.

async function foldersUpTo0007(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "ranklens-migrations-"));
  await cp(MIGRATIONS_FOLDER, dir, { recursive: true });
  const journalFile = path.join(dir, "meta", "_journal.json");
  const journal = JSON.parse(await readFile(journalFile, "utf8")) as { entries: { tag: string }[] };
  journal.entries = journal.entries.filter((e) => e.tag < "0008");
  await writeFile(journalFile, JSON.stringify(journal));
  return dir;
}

function describeMigration(label: string, open: () => Promise<OpenedDb>) {
  describe(label, () => {
    let opened: OpenedDb;
    let old: string;
    beforeAll(async () => {
      old = await foldersUpTo0007();
      opened = await open();
    });
    afterAll(async () => {
      await opened?.close();
      if (old) await rm(old, { recursive: true, force: true });
    });

    it("moves existing 100-d vectors to the starter embedder", async () => {
      const { db } = opened;
      await migrate(db, old);
      const vectors = [seededVector(1), seededVector(2), seededVector(3)];
      const [doc] = await queryRows<{ id: string }>(
        db,
        sql`INSERT INTO documents (owner_id, name, type, size, sha256, raw, status)
            VALUES ('local', 'old.txt', 'text/plain', 1, ${"0".repeat(64)}, '\\x00'::bytea, 'ready') RETURNING id`,
      );
      for (const [i, v] of vectors.entries()) {
        await db.execute(
          sql`INSERT INTO chunks (document_id, position, text, char_start, char_end, token_count, embedding)
              VALUES (${doc.id}, ${i}, ${`chunk ${i}`}, 0, 1, 1, ${`[${v.join(",")}]`}::vector)`,
        );
      }

      await migrate(db);
      const embedders = await queryRows<{ id: number; key: string; version: string; dimension: number; state: string }>(
        db,
        sql`SELECT id, key, version, dimension, state FROM embedders`,
      );
      expect(embedders).toEqual([
        { id: 1, key: "ranklens/sif-glove-100d@*#100", version: "*", dimension: 100, state: "active" },
      ]);
      const [{ n }] = await queryRows<{ n: unknown }>(
        db,
        sql`SELECT count(*) AS n FROM chunk_embeddings WHERE embedder_id = 1`,
      );
      expect(Number(n)).toBe(3);
      const columns = await queryRows<{ column_name: string }>(
        db,
        sql`SELECT column_name FROM information_schema.columns WHERE table_name = 'chunks' AND column_name = 'embedding'`,
      );
      expect(columns).toEqual([]);
      const [hit] = await searchDense({ db, embedding: vectors[1], k: 1 });
      expect(hit.score).toBeCloseTo(1, 5);
      const [chunk] = await queryRows<{ position: number }>(
        db,
        sql`SELECT position FROM chunks WHERE id = ${hit.chunkId}`,
      );
      expect(chunk.position).toBe(1);
    });
  });
}

describeMigration("drizzle/0008 on PGlite", () => openDb({ memory: true, migrate: false }));

const pgUrl = process.env.TEST_DATABASE_URL; // the tests' own switch, not app configuration
if (pgUrl) {
  describeMigration("drizzle/0008 on PostgreSQL", async () => {
    // openFreshPostgres migrates to the latest version: start from an empty database instead.
    const fresh = await openFreshPostgres(pgUrl);
    await fresh.db.execute(sql`DROP SCHEMA public CASCADE`);
    await fresh.db.execute(sql`DROP SCHEMA IF EXISTS drizzle CASCADE`);
    await fresh.db.execute(sql`CREATE SCHEMA public`);
    return fresh;
  });
} else {
  describe("drizzle/0008 on PostgreSQL", () => {
    // Deliberately a failure, not a skip: the PostgreSQL half must run.
    it("needs TEST_DATABASE_URL", () => {
      testDatabaseUrl();
    });
  });
}
