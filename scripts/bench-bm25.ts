// npx tsx scripts/bench-bm25.ts --dir /tmp/copy-of-a-pglite-dir [--queries ../shared/datasets/scifact/queries.jsonl] [--n 200]
// BM25 latency (P50/P95) on an ingested PGlite directory, and parity with the previous (pre-0002) SQL.
// Opening the directory applies pending migrations (0002 backfills doc_len and corpus_stats): use a copy.
// Phases: "as opened" (whatever planner statistics the directory has), then after refreshPlannerStats.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { openDb } from "@/db";
import { refreshPlannerStats } from "@/db/queries/documents";
import { searchBm25 } from "@/db/queries/retrieval";
import { num, queryRows } from "@/db/queries/sql";

// The query before migration 0002 (full-table stats, idf over a join), kept here as the parity oracle.
const legacy = (query: string, k: number) => sql`
  WITH q AS (SELECT DISTINCT lexeme AS term FROM unnest(to_tsvector('english', ${query}::text))),
  stats AS (SELECT count(*)::float8 AS n, coalesce(avg(lexeme_count), 0)::float8 AS avgdl FROM chunks),
  idf AS (SELECT ct.term, ln(1 + (stats.n - count(*) + 0.5) / (count(*) + 0.5)) AS idf
          FROM chunk_terms ct JOIN q ON q.term = ct.term CROSS JOIN stats GROUP BY ct.term, stats.n)
  SELECT ct.chunk_id, sum(idf.idf * ct.tf * 1.9 / (ct.tf + 0.9 * (0.6 + 0.4 * c.lexeme_count / stats.avgdl))) AS score
  FROM chunk_terms ct JOIN idf ON idf.term = ct.term JOIN chunks c ON c.id = ct.chunk_id CROSS JOIN stats
  GROUP BY ct.chunk_id ORDER BY score DESC, ct.chunk_id ASC LIMIT ${k}`;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

async function main() {
  const { values } = parseArgs({
    options: {
      dir: { type: "string" },
      queries: { type: "string", default: "../shared/datasets/scifact/queries.jsonl" },
      n: { type: "string", default: "200" },
      k: { type: "string", default: "45" },
      out: { type: "string", default: ".bench" },
    },
  });
  if (!values.dir) throw new Error("--dir <PGlite data directory> is required (use a copy)");
  const k = Number(values.k);
  const queries = (await readFile(values.queries!, "utf8"))
    .trim()
    .split("\n")
    .map((l) => (JSON.parse(l) as { text: string }).text)
    .slice(0, Number(values.n));

  let t = performance.now();
  const { db, close } = await openDb({ pgliteDir: values.dir });
  const openMs = performance.now() - t;
  const [{ chunks, postings }] = await queryRows<{ chunks: unknown; postings: unknown }>(
    db,
    sql`SELECT (SELECT count(*) FROM chunks) AS chunks, (SELECT count(*) FROM chunk_terms) AS postings`,
  );
  const phases: { phase: string; p50: number; p95: number; max: number }[] = [];
  const run = async (phase: string) => {
    const ms: number[] = [];
    for (const query of queries) {
      const s = performance.now();
      await searchBm25({ db, query, k });
      ms.push(performance.now() - s);
    }
    phases.push({ phase, p50: pct(ms, 50), p95: pct(ms, 95), max: Math.max(...ms) });
  };
  await run("as opened");
  t = performance.now();
  await refreshPlannerStats({ db, force: true });
  const analyzeMs = performance.now() - t;
  await run("after ANALYZE");

  // Parity with the previous SQL: same ids in the same order, same scores.
  let maxDiff = 0;
  let orderMismatches = 0;
  for (const query of queries) {
    const got = await searchBm25({ db, query, k });
    const want = await queryRows<{ chunk_id: unknown; score: unknown }>(db, legacy(query, k));
    if (got.map((r) => r.chunkId).join() !== want.map((r) => num(r.chunk_id)).join()) orderMismatches++;
    got.forEach((r, i) => (maxDiff = Math.max(maxDiff, Math.abs(r.score - num(want[i]?.score ?? NaN)))));
  }
  await close();

  console.log(
    `BM25 on ${values.dir}: ${num(chunks)} chunks, ${num(postings)} postings, ${queries.length} queries, k=${k}`,
  );
  console.log(`open+migrate ${openMs.toFixed(0)} ms, ANALYZE chunks+chunk_terms ${analyzeMs.toFixed(0)} ms`);
  console.log("phase           P50 ms   P95 ms   max ms");
  for (const p of phases) {
    console.log(
      `${p.phase.padEnd(14)} ${p.p50.toFixed(1).padStart(7)} ${p.p95.toFixed(1).padStart(8)} ${p.max.toFixed(1).padStart(8)}`,
    );
  }
  console.log(
    `parity with the pre-0002 SQL: ${orderMismatches} ranking mismatches, max |score diff| ${maxDiff.toExponential(2)}`,
  );
  await mkdir(values.out!, { recursive: true });
  const file = `${values.out}/bm25-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
  await writeFile(
    file,
    JSON.stringify(
      {
        dir: values.dir,
        chunks: num(chunks),
        postings: num(postings),
        queries: queries.length,
        k,
        openMs,
        analyzeMs,
        phases,
        parity: { orderMismatches, maxDiff },
      },
      null,
      2,
    ),
  );
  console.log(`wrote ${file}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
