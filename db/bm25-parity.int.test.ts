// The same corpus in PGlite and in PostgreSQL: identical BM25 top-k and scores, both equal to the reference.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Bm25Index } from "@/lib/retrieval/bm25-reference";
import { openDb, type OpenedDb } from "./index";
import { analyzeEnglish, searchBm25, searchDense } from "./queries/retrieval";
import { FIXTURE_QUERIES, seededVector } from "./fixtures/corpus";
import { JAPANESE_DOCUMENTS, JAPANESE_QUERIES } from "./fixtures/japanese";
import { analyzeLexical } from "./queries/lexical";
import { ingestFixture, openFreshPostgres, testDatabaseUrl, type IngestedFixture } from "./testing";

describe("BM25 parity: PGlite vs PostgreSQL vs reference", () => {
  let lite: OpenedDb;
  let pg: OpenedDb;
  let fixtureLite: IngestedFixture;
  let fixturePg: IngestedFixture;

  beforeAll(async () => {
    const url = testDatabaseUrl();
    [lite, pg] = await Promise.all([openDb({ memory: true }), openFreshPostgres(url)]);
    fixtureLite = await ingestFixture(lite.db);
    fixturePg = await ingestFixture(pg.db);
  });
  afterAll(async () => {
    await lite?.close();
    await pg?.close();
  });

  it("assigns the same chunk ids and produces the same lexemes", async () => {
    expect(fixturePg.chunks.map((c) => c.chunkId)).toEqual(fixtureLite.chunks.map((c) => c.chunkId));
    const texts = [...fixtureLite.chunks.map((c) => c.text), ...FIXTURE_QUERIES];
    expect(await analyzeEnglish({ db: pg.db, texts })).toEqual(await analyzeEnglish({ db: lite.db, texts }));
  });

  it("returns the same top-k and scores (within 1e-4) on both, equal to the reference", async () => {
    const analysed = await analyzeEnglish({ db: pg.db, texts: fixturePg.chunks.map((c) => c.text) });
    const reference = new Bm25Index(fixturePg.chunks.map((c, i) => ({ id: c.chunkId, terms: analysed[i] })));
    const timings = { lite: [] as number[], pg: [] as number[] };
    for (const query of FIXTURE_QUERIES) {
      for (const params of [{ k: 45 }, { k: 3 }, { k: 10, k1: 1.2, b: 0.75 }]) {
        let t = performance.now();
        const a = await searchBm25({ db: lite.db, query, ...params });
        timings.lite.push(performance.now() - t);
        t = performance.now();
        const b = await searchBm25({ db: pg.db, query, ...params });
        timings.pg.push(performance.now() - t);
        const [terms] = await analyzeEnglish({ db: pg.db, texts: [query] });
        const want = reference.search(Object.keys(terms), params);
        for (const got of [a, b]) {
          expect(got.map((r) => r.chunkId)).toEqual(want.map((r) => r.chunkId));
          got.forEach((r, i) => expect(Math.abs(r.score - want[i].score)).toBeLessThan(1e-4));
        }
        a.forEach((r, i) => expect(Math.abs(r.score - b[i].score)).toBeLessThan(1e-4));
      }
    }
    const dense = { lite: [] as number[], pg: [] as number[] };
    for (let i = 0; i < 10; i++) {
      const q = seededVector(500 + i);
      let t = performance.now();
      const a = await searchDense({ db: lite.db, embedding: q, k: 45 });
      dense.lite.push(performance.now() - t);
      t = performance.now();
      const b = await searchDense({ db: pg.db, embedding: q, k: 45 });
      dense.pg.push(performance.now() - t);
      expect(a.map((r) => r.chunkId)).toEqual(b.map((r) => r.chunkId));
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)].toFixed(2);
    console.log(
      `fixture query times (median ms): bm25 PGlite ${median(timings.lite)}, PostgreSQL ${median(timings.pg)}; ` +
        `dense PGlite ${median(dense.lite)}, PostgreSQL ${median(dense.pg)}`,
    );
  });

  it("Japanese and mixed text: same postings, top-k and scores (within 1e-4) on both", async () => {
    const [jl, jp] = await Promise.all([openDb({ memory: true }), openFreshPostgres(testDatabaseUrl())]);
    try {
      const fl = await ingestFixture(jl.db, JAPANESE_DOCUMENTS);
      const fp = await ingestFixture(jp.db, JAPANESE_DOCUMENTS);
      expect(fp.chunks.map((c) => c.chunkId)).toEqual(fl.chunks.map((c) => c.chunkId));
      const texts = [...fl.chunks.map((c) => c.text), ...JAPANESE_QUERIES];
      expect(await analyzeLexical({ db: jp.db, texts })).toEqual(await analyzeLexical({ db: jl.db, texts }));
      for (const query of JAPANESE_QUERIES) {
        const a = await searchBm25({ db: jl.db, query, k: 45 });
        const b = await searchBm25({ db: jp.db, query, k: 45 });
        expect(a.map((r) => r.chunkId)).toEqual(b.map((r) => r.chunkId));
        a.forEach((r, i) => expect(Math.abs(r.score - b[i].score)).toBeLessThan(1e-4));
      }
    } finally {
      await jl.close();
      await jp.close();
    }
  });
});
