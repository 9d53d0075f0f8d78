import { and, asc, desc, eq, sql } from "drizzle-orm";
import { goldenEvaluations, goldenQueries, relevanceLabels, type RelevanceGrade } from "../schema";
import { documentVisibleTo } from "./access";
import { num, queryRows, type Executor } from "./sql";

/** The golden-set key of a query: Unicode-normalised, trimmed, single-spaced, lower-case. */
export function normaliseQuery(query: string): string {
  return query.normalize("NFKC").trim().replace(/\s+/g, " ").toLowerCase();
}

export type RelevanceLabel = {
  chunkId: number;
  documentId: string;
  grade: RelevanceGrade;
  labelledAt: string;
  /** The run the judgement was made in (null once that run is gone). */
  runId: string | null;
};

/** The judgements of a query (any run that asked it), or no golden query yet. */
export type QueryLabels = { goldenQueryId: string | null; labels: RelevanceLabel[] };

const toLabel = (r: typeof relevanceLabels.$inferSelect): RelevanceLabel => ({
  chunkId: r.chunkId,
  documentId: r.documentId,
  grade: r.grade as RelevanceGrade,
  labelledAt: r.labelledAt.toISOString(),
  runId: r.runId,
});

export async function getLabelsForQuery({
  db,
  userId,
  query,
}: {
  db: Executor;
  userId: string;
  query: string;
}): Promise<QueryLabels> {
  const [golden] = await db
    .select({ id: goldenQueries.id })
    .from(goldenQueries)
    .where(and(eq(goldenQueries.userId, userId), eq(goldenQueries.normalizedQuery, normaliseQuery(query))));
  if (!golden) return { goldenQueryId: null, labels: [] };
  const rows = await db
    .select()
    .from(relevanceLabels)
    .where(eq(relevanceLabels.goldenQueryId, golden.id))
    .orderBy(asc(relevanceLabels.chunkId));
  return { goldenQueryId: golden.id, labels: rows.map(toLabel) };
}

/**
 * Sets (grade 0–2) or removes (null) the user's judgement of one candidate for a query, in one
 * transaction; the golden query is created with its first judgement and deleted with its last.
 */
export async function setRelevanceLabel({
  db,
  userId,
  query,
  runId,
  chunkId,
  documentId,
  grade,
  now = new Date(),
}: {
  db: Executor;
  userId: string;
  query: string;
  runId: string;
  chunkId: number;
  documentId: string;
  grade: RelevanceGrade | null;
  now?: Date;
}): Promise<{ goldenQueryId: string | null; label: RelevanceLabel | null }> {
  const normalizedQuery = normaliseQuery(query);
  return db.transaction(async (tx) => {
    const find = () =>
      tx
        .select({ id: goldenQueries.id })
        .from(goldenQueries)
        .where(and(eq(goldenQueries.userId, userId), eq(goldenQueries.normalizedQuery, normalizedQuery)));
    if (grade === null) {
      const [golden] = await find();
      if (!golden) return { goldenQueryId: null, label: null };
      await tx
        .delete(relevanceLabels)
        .where(and(eq(relevanceLabels.goldenQueryId, golden.id), eq(relevanceLabels.chunkId, chunkId)));
      const [left] = await tx
        .select({ n: sql<number>`count(*)` })
        .from(relevanceLabels)
        .where(eq(relevanceLabels.goldenQueryId, golden.id));
      if (num(left.n) > 0) return { goldenQueryId: golden.id, label: null };
      await tx.delete(goldenQueries).where(eq(goldenQueries.id, golden.id));
      return { goldenQueryId: null, label: null };
    }
    // Concurrent first labels of one query: the unique (user, normalised query) makes one insert win.
    await tx.insert(goldenQueries).values({ userId, query: query.trim(), normalizedQuery }).onConflictDoNothing();
    const [golden] = await find();
    const [row] = await tx
      .insert(relevanceLabels)
      .values({ goldenQueryId: golden.id, chunkId, documentId, grade, labelledAt: now, runId })
      .onConflictDoUpdate({
        target: [relevanceLabels.goldenQueryId, relevanceLabels.chunkId],
        set: { grade, documentId, labelledAt: now, runId },
      })
      .returning();
    return { goldenQueryId: golden.id, label: toLabel(row) };
  });
}

export type GoldenQuerySummary = {
  id: string;
  query: string;
  createdAt: string;
  /** Judgements by grade. */
  relevant: number;
  partly: number;
  notRelevant: number;
  lastLabelledAt: string | null;
  /** The run most recently labelled from (the inspect link), if it still exists. */
  lastRunId: string | null;
};

/** The user's golden set, most recently labelled first. */
export async function listGoldenQueries({
  db,
  userId,
}: {
  db: Executor;
  userId: string;
}): Promise<GoldenQuerySummary[]> {
  const rows = await queryRows<{
    id: string;
    query: string;
    created_at: string | Date;
    relevant: unknown;
    partly: unknown;
    not_relevant: unknown;
    last_labelled_at: string | Date | null;
    last_run_id: string | null;
  }>(
    db,
    sql`SELECT g.id, g.query, g.created_at,
               count(*) FILTER (WHERE l.grade = 2) AS relevant,
               count(*) FILTER (WHERE l.grade = 1) AS partly,
               count(*) FILTER (WHERE l.grade = 0) AS not_relevant,
               max(l.labelled_at) AS last_labelled_at,
               (SELECT l2.run_id FROM relevance_labels l2
                 WHERE l2.golden_query_id = g.id AND l2.run_id IS NOT NULL
                 ORDER BY l2.labelled_at DESC LIMIT 1) AS last_run_id
        FROM golden_queries g LEFT JOIN relevance_labels l ON l.golden_query_id = g.id
        WHERE g.user_id = ${userId}
        GROUP BY g.id
        ORDER BY max(l.labelled_at) DESC NULLS LAST, g.created_at DESC`,
  );
  const iso = (v: string | Date | null) => (v === null ? null : new Date(v).toISOString());
  return rows.map((r) => ({
    id: r.id,
    query: r.query,
    createdAt: iso(r.created_at)!,
    relevant: num(r.relevant),
    partly: num(r.partly),
    notRelevant: num(r.not_relevant),
    lastLabelledAt: iso(r.last_labelled_at),
    lastRunId: r.last_run_id,
  }));
}

export type GoldenJudgements = {
  goldenQueryId: string;
  query: string;
  labels: { chunkId: number; documentId: string; grade: RelevanceGrade }[];
};

/** Every golden query of the user with its judgements (evaluation and export read these). */
export async function listGoldenJudgements({
  db,
  userId,
}: {
  db: Executor;
  userId: string;
}): Promise<GoldenJudgements[]> {
  const rows = await db
    .select({
      goldenQueryId: goldenQueries.id,
      query: goldenQueries.query,
      chunkId: relevanceLabels.chunkId,
      documentId: relevanceLabels.documentId,
      grade: relevanceLabels.grade,
    })
    .from(goldenQueries)
    .innerJoin(relevanceLabels, eq(relevanceLabels.goldenQueryId, goldenQueries.id))
    .where(eq(goldenQueries.userId, userId))
    .orderBy(asc(goldenQueries.createdAt), asc(goldenQueries.id), asc(relevanceLabels.chunkId));
  const out = new Map<string, GoldenJudgements>();
  for (const r of rows) {
    let q = out.get(r.goldenQueryId);
    if (!q) out.set(r.goldenQueryId, (q = { goldenQueryId: r.goldenQueryId, query: r.query, labels: [] }));
    q.labels.push({ chunkId: r.chunkId, documentId: r.documentId, grade: r.grade as RelevanceGrade });
  }
  return [...out.values()];
}

/** Users with at least one judgement (the schedule evaluates these). */
export async function listUsersWithLabels({ db }: { db: Executor }): Promise<string[]> {
  const rows = await queryRows<{ user_id: string }>(
    db,
    sql`SELECT DISTINCT g.user_id FROM golden_queries g
        WHERE EXISTS (SELECT 1 FROM relevance_labels l WHERE l.golden_query_id = g.id)
        ORDER BY g.user_id`,
  );
  return rows.map((r) => r.user_id);
}

/**
 * A cheap summary of what a golden evaluation depends on (the user's judgements and the documents they
 * can read); equal fingerprints mean a new evaluation would measure the same thing.
 */
export async function goldenInputsFingerprint({ db, userId }: { db: Executor; userId: string }): Promise<string> {
  const [labels] = await queryRows<{ n: unknown; latest: unknown; grades: unknown }>(
    db,
    sql`SELECT count(*) AS n, max(l.labelled_at)::text AS latest, coalesce(sum(l.grade * (l.chunk_id % 9973)), 0) AS grades
        FROM relevance_labels l JOIN golden_queries g ON g.id = l.golden_query_id
        WHERE g.user_id = ${userId}`,
  );
  const [docs] = await queryRows<{ n: unknown; latest: unknown }>(
    db,
    sql`SELECT count(*) AS n, max(d.updated_at)::text AS latest FROM documents d
        WHERE d.status = 'ready' AND ${documentVisibleTo({ userId })}`,
  );
  return `labels:${num(labels.n)}:${labels.latest ?? "-"}:${num(labels.grades)};docs:${num(docs.n)}:${docs.latest ?? "-"}`;
}

export type GoldenQueryResult = {
  goldenQueryId: string;
  query: string;
  /** The run this evaluation made for the query (the inspect link). */
  runId: string;
  /** Judged candidates whose passages still exist, and how many of them are relevant or partly. */
  judged: number;
  relevant: number;
  ndcg5Fused: number;
  ndcg5Reranked: number;
  /** False when the reranker was unavailable: the reranked order is then the fused one. */
  reranked: boolean;
};

export type GoldenEvaluation = {
  id: string;
  createdAt: string;
  queryCount: number;
  ndcg5Fused: number;
  ndcg5Reranked: number;
  perQuery: GoldenQueryResult[];
};

export type GoldenEvaluationSummary = Omit<GoldenEvaluation, "perQuery">;

export async function saveGoldenEvaluation({
  db,
  userId,
  evaluation,
  fingerprint,
}: {
  db: Executor;
  userId: string;
  evaluation: Omit<GoldenEvaluation, "id">;
  fingerprint: string;
}): Promise<GoldenEvaluation> {
  const [row] = await db
    .insert(goldenEvaluations)
    .values({
      userId,
      createdAt: new Date(evaluation.createdAt),
      queryCount: evaluation.queryCount,
      ndcg5Fused: evaluation.ndcg5Fused,
      ndcg5Reranked: evaluation.ndcg5Reranked,
      perQuery: evaluation.perQuery,
      fingerprint,
    })
    .returning({ id: goldenEvaluations.id });
  return { ...evaluation, id: row.id };
}

/** The user's evaluations, newest first. */
export async function listGoldenEvaluations({
  db,
  userId,
  limit = 100,
}: {
  db: Executor;
  userId: string;
  limit?: number;
}): Promise<GoldenEvaluationSummary[]> {
  const rows = await db
    .select({
      id: goldenEvaluations.id,
      createdAt: goldenEvaluations.createdAt,
      queryCount: goldenEvaluations.queryCount,
      ndcg5Fused: goldenEvaluations.ndcg5Fused,
      ndcg5Reranked: goldenEvaluations.ndcg5Reranked,
    })
    .from(goldenEvaluations)
    .where(eq(goldenEvaluations.userId, userId))
    .orderBy(desc(goldenEvaluations.createdAt), desc(goldenEvaluations.id))
    .limit(limit);
  return rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() }));
}

/** The newest evaluation with its per-query results, and its fingerprint. */
export async function getLatestGoldenEvaluation({
  db,
  userId,
}: {
  db: Executor;
  userId: string;
}): Promise<{ evaluation: GoldenEvaluation; fingerprint: string } | null> {
  const [r] = await db
    .select()
    .from(goldenEvaluations)
    .where(eq(goldenEvaluations.userId, userId))
    .orderBy(desc(goldenEvaluations.createdAt), desc(goldenEvaluations.id))
    .limit(1);
  if (!r) return null;
  return {
    evaluation: {
      id: r.id,
      createdAt: r.createdAt.toISOString(),
      queryCount: r.queryCount,
      ndcg5Fused: r.ndcg5Fused,
      ndcg5Reranked: r.ndcg5Reranked,
      perQuery: r.perQuery as GoldenQueryResult[],
    },
    fingerprint: r.fingerprint,
  };
}
