import "server-only";
import { getDb } from "@/db";
import { env } from "@/lib/env";
import { getEmbedder } from "@/lib/models/server";
import { createRerankClient } from "@/lib/rerank/client";

const reranker = createRerankClient({
  url: env.RERANKER_URL,
  deadlineMs: env.RERANK_DEADLINE_MS,
  token: env.WORKER_TOKEN,
});

/** What runSearch needs in the app: the database, the embedder and the reranker worker's client. */
export async function searchDependencies() {
  const [db, embedder] = await Promise.all([getDb(), getEmbedder()]);
  return { db, embedder, reranker };
}
