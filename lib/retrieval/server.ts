import "server-only";
import { getDb } from "@/db";
import { env } from "@/lib/env";
import { getServingEmbedder } from "@/lib/models/server";
import { createRerankClient } from "@/lib/rerank/client";

// RERANKER_PROTOCOL picks the wire format at RERANKER_URL. Our worker gets WORKER_TOKEN; a remote API
// gets RERANKER_API_KEY (never WORKER_TOKEN, which must not leave for a third party).
const reranker = createRerankClient({
  url: env.RERANKER_URL,
  deadlineMs: env.RERANK_DEADLINE_MS,
  protocol: env.RERANKER_PROTOCOL,
  model: env.RERANKER_MODEL,
  token: env.RERANKER_PROTOCOL === "ranklens" ? (env.WORKER_TOKEN ?? env.RERANKER_API_KEY) : env.RERANKER_API_KEY,
});

/**
 * What runSearch needs in the app: the database, the embedder whose vectors serve (during an embedder
 * switch, still the old one) and the reranker worker's client.
 */
export async function searchDependencies() {
  const [db, embedder] = await Promise.all([getDb(), getServingEmbedder()]);
  return { db, embedder, reranker };
}
