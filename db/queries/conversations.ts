import { and, asc, desc, eq, sql } from "drizzle-orm";
import type { Citation } from "@/lib/generate/types";
import { conversations, conversationTurns, type TurnStatus } from "../schema";
import { cutAnswer } from "@/lib/chat/conversation";
import { documentVisibleTo } from "./access";
import { num, queryRows, type Executor } from "./sql";

/** A citation as a saved turn keeps it: with the document's name (blanked, `deleted`, once it is gone). */
export type TurnCitation = Citation & { documentName: string; deleted?: true };

/** How the turn's retrieval query was made (lib/chat/follow-up.ts RetrievalQuery without question/query). */
export type TurnRewrite = {
  method: string;
  reason: string;
  context: { question: string; retrievalQuery: string }[];
  addedTerms?: string[];
  fallbackReason?: string;
};

export type ConversationSummary = {
  id: string;
  title: string;
  documentIds: string[];
  createdAt: string;
  updatedAt: string;
  turnCount: number;
};

export type ConversationTurn = {
  id: string;
  position: number;
  question: string;
  retrievalQuery: string;
  rewrite: TurnRewrite;
  scopeDocumentIds: string[];
  runId: string | null;
  answer: string | null;
  answerMode: string | null;
  citations: TurnCitation[];
  answerRedacted: boolean;
  status: TurnStatus;
  createdAt: string;
};

export type ConversationDetail = ConversationSummary & {
  turns: ConversationTurn[];
  /** Names of the scope documents (conversation and turns) the viewer can still read. */
  documents: { id: string; name: string }[];
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const uuidArray = (ids: string[]) => `{${ids.join(",")}}`;

const toSummary = (r: typeof conversations.$inferSelect, turnCount: number): ConversationSummary => ({
  id: r.id,
  title: r.title,
  documentIds: r.documentIds,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
  turnCount,
});

const toTurn = (r: typeof conversationTurns.$inferSelect): ConversationTurn => ({
  id: r.id,
  position: r.position,
  question: r.question,
  retrievalQuery: r.retrievalQuery,
  rewrite: r.rewrite as TurnRewrite,
  scopeDocumentIds: r.scopeDocumentIds,
  runId: r.runId,
  answer: r.answer,
  answerMode: r.answerMode,
  citations: r.citations as TurnCitation[],
  answerRedacted: r.answerRedacted,
  status: r.status as TurnStatus,
  createdAt: r.createdAt.toISOString(),
});

/** The user's conversations, most recently active first. */
export async function listConversations({
  db,
  userId,
  limit = 200,
}: {
  db: Executor;
  userId: string;
  limit?: number;
}): Promise<ConversationSummary[]> {
  const rows = await db
    .select({
      c: conversations,
      // Qualified by hand: inside the subquery drizzle's bare "id" would name the turn's.
      turnCount: sql<number>`(SELECT count(*) FROM conversation_turns t WHERE t.conversation_id = "conversations"."id")`,
    })
    .from(conversations)
    .where(eq(conversations.userId, userId))
    .orderBy(desc(conversations.updatedAt), desc(conversations.id))
    .limit(limit);
  return rows.map((r) => toSummary(r.c, num(r.turnCount)));
}

/** The conversation with its turns if it is the user's; null when missing or someone else's. */
export async function getConversationById({
  db,
  id,
  userId,
}: {
  db: Executor;
  id: string;
  userId: string;
}): Promise<ConversationDetail | null> {
  if (!UUID.test(id)) return null;
  const [c] = await db
    .select()
    .from(conversations)
    .where(and(eq(conversations.id, id), eq(conversations.userId, userId)));
  if (!c) return null;
  const turns = await getTurns({ db, conversationId: id });
  const ids = [...new Set([...c.documentIds, ...turns.flatMap((t) => t.scopeDocumentIds)])];
  const documents =
    ids.length === 0
      ? []
      : await queryRows<{ id: string; name: string }>(
          db,
          sql`SELECT d.id, d.name FROM documents d
              WHERE d.id = ANY(${uuidArray(ids)}::uuid[]) AND ${documentVisibleTo({ userId })}
              ORDER BY d.name`,
        );
  return { ...toSummary(c, turns.length), turns, documents };
}

/**
 * The user's conversation `id`, created (with `title` and scope) if there is none; null when the id
 * belongs to another user's conversation (the caller answers 404, as for a missing one).
 */
export async function ensureConversation({
  db,
  id,
  userId,
  title,
  documentIds,
}: {
  db: Executor;
  id: string;
  userId: string;
  title: string;
  documentIds: string[];
}): Promise<ConversationSummary | null> {
  if (!UUID.test(id)) return null;
  await db.insert(conversations).values({ id, userId, title, documentIds }).onConflictDoNothing();
  const [c] = await db
    .select()
    .from(conversations)
    .where(and(eq(conversations.id, id), eq(conversations.userId, userId)));
  return c ? toSummary(c, 0) : null;
}

/** The turns of a conversation, oldest first (the caller has checked ownership). */
export async function getTurns({ db, conversationId }: { db: Executor; conversationId: string }) {
  const rows = await db
    .select()
    .from(conversationTurns)
    .where(eq(conversationTurns.conversationId, conversationId))
    .orderBy(asc(conversationTurns.position));
  return rows.map(toTurn);
}

export type NewTurn = {
  /** The id of a new turn (chosen before the search, so the run's params can name it). */
  id: string;
  question: string;
  retrievalQuery: string;
  rewrite: TurnRewrite;
  scopeDocumentIds: string[];
  runId: string;
};

/**
 * Records a question being answered: a new last turn, or (regenerate) the last turn `replaceTurnId`
 * reset to the new run. The conversation's scope becomes this question's and it moves to the top of the
 * list. Returns the turn's id, or null when `replaceTurnId` is not the conversation's last turn.
 */
export async function startTurn({
  db,
  conversationId,
  turn,
  replaceTurnId,
}: {
  db: Executor;
  conversationId: string;
  turn: NewTurn;
  replaceTurnId?: string;
}): Promise<string | null> {
  return db.transaction(async (tx) => {
    let id: string | null;
    const { id: newId, ...fields } = turn;
    const fresh = {
      ...fields,
      answer: null,
      answerMode: null,
      citations: [],
      citedDocumentIds: [],
      answerRedacted: false,
      status: "answering" as const,
      stoppedAtChars: null,
      updatedAt: new Date(),
    };
    if (replaceTurnId) {
      const [last] = await tx
        .select({ id: conversationTurns.id })
        .from(conversationTurns)
        .where(eq(conversationTurns.conversationId, conversationId))
        .orderBy(desc(conversationTurns.position))
        .limit(1);
      if (!last || last.id !== replaceTurnId) return null;
      await tx.update(conversationTurns).set(fresh).where(eq(conversationTurns.id, replaceTurnId));
      id = replaceTurnId;
    } else {
      const [row] = await tx
        .insert(conversationTurns)
        .values({
          ...fresh,
          id: newId,
          conversationId,
          position: sql`(SELECT coalesce(max(position), -1) + 1 FROM conversation_turns WHERE conversation_id = ${conversationId})`,
        })
        .returning({ id: conversationTurns.id });
      id = row.id;
    }
    await tx
      .update(conversations)
      .set({ documentIds: turn.scopeDocumentIds, updatedAt: new Date() })
      .where(eq(conversations.id, conversationId));
    return id;
  });
}

/**
 * The turn's answer as the stream ended: complete, stopped (the client went away: the partial text) or
 * failed. A stop the user already reported (stopTurn) wins: the answer is cut where they stopped reading.
 */
export async function finishTurn({
  db,
  turnId,
  answer,
  answerMode,
  citations,
  status,
}: {
  db: Executor;
  turnId: string;
  answer: string;
  answerMode: string | null;
  citations: TurnCitation[];
  status: Exclude<TurnStatus, "answering">;
}): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx
      .select({ stoppedAtChars: conversationTurns.stoppedAtChars })
      .from(conversationTurns)
      .where(eq(conversationTurns.id, turnId))
      .for("update");
    if (!row) return;
    const stopped = row.stoppedAtChars;
    const kept = stopped === null ? { answer, citations } : cutAnswer(answer, citations, stopped);
    await tx
      .update(conversationTurns)
      .set({
        ...(await answerColumns(tx, kept.answer, kept.citations)),
        answerMode,
        status: stopped === null ? status : "stopped",
        updatedAt: new Date(),
      })
      .where(eq(conversationTurns.id, turnId));
  });
}

/**
 * The user stopped the answer after reading `chars` characters: the saved answer is cut there (now, if it
 * is already saved, or when the stream ends). False when the turn is not in the user's conversation.
 */
export async function stopTurn({
  db,
  conversationId,
  turnId,
  userId,
  chars,
}: {
  db: Executor;
  conversationId: string;
  turnId: string;
  userId: string;
  chars: number;
}): Promise<boolean> {
  if (!UUID.test(conversationId) || !UUID.test(turnId)) return false;
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({ t: conversationTurns })
      .from(conversationTurns)
      .innerJoin(conversations, eq(conversations.id, conversationTurns.conversationId))
      .where(
        and(
          eq(conversationTurns.id, turnId),
          eq(conversationTurns.conversationId, conversationId),
          eq(conversations.userId, userId),
        ),
      )
      .for("update", { of: conversationTurns });
    if (!row) return false;
    const t = row.t;
    const at = t.stoppedAtChars === null ? chars : Math.min(chars, t.stoppedAtChars);
    const saved = t.answer === null ? null : cutAnswer(t.answer, t.citations as TurnCitation[], at);
    await tx
      .update(conversationTurns)
      .set({
        stoppedAtChars: at,
        ...(saved ? await answerColumns(tx, saved.answer, saved.citations) : {}),
        ...(t.status === "failed" ? {} : { status: "stopped" as const }),
        updatedAt: new Date(),
      })
      .where(eq(conversationTurns.id, turnId));
    return true;
  });
}

/** Answer, citations and cited documents to store; redacted when a cited document is gone meanwhile. */
async function answerColumns(db: Executor, answer: string, citations: TurnCitation[]) {
  const cited = [...new Set(citations.map((c) => c.documentId))];
  // A document deleted while the answer streamed must not come back through this write (drizzle/0009).
  const gone =
    cited.length === 0
      ? []
      : await queryRows<{ id: string }>(
          db,
          sql`SELECT x.id FROM unnest(${uuidArray(cited)}::uuid[]) AS x(id)
              WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.id = x.id)`,
        );
  const redacted = gone.length > 0;
  return {
    answer: redacted ? null : answer,
    answerRedacted: redacted,
    citations: redacted ? [] : citations,
    citedDocumentIds: redacted ? [] : cited,
  };
}

/** Renames and/or re-scopes the user's conversation; false when it is missing or someone else's. */
export async function updateConversation({
  db,
  id,
  userId,
  title,
  documentIds,
}: {
  db: Executor;
  id: string;
  userId: string;
  title?: string;
  documentIds?: string[];
}): Promise<boolean> {
  if (!UUID.test(id)) return false;
  const rows = await db
    .update(conversations)
    .set({ ...(title !== undefined ? { title } : {}), ...(documentIds !== undefined ? { documentIds } : {}) })
    .where(and(eq(conversations.id, id), eq(conversations.userId, userId)))
    .returning({ id: conversations.id });
  return rows.length > 0;
}

/** Deletes the user's conversation and its turns (their runs stay, as runs); false when not theirs. */
export async function deleteConversation({
  db,
  id,
  userId,
}: {
  db: Executor;
  id: string;
  userId: string;
}): Promise<boolean> {
  if (!UUID.test(id)) return false;
  const rows = await db
    .delete(conversations)
    .where(and(eq(conversations.id, id), eq(conversations.userId, userId)))
    .returning({ id: conversations.id });
  return rows.length > 0;
}
