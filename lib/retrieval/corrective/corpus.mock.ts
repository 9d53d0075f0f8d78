import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

import type { RerankRequest, RerankResponse } from "@/lib/models/types";

// The corrective loop's test corpus and reranker. With BM25 alone, "rose care" finds the two short passages
// A and B; RM3 expands it with their other words (basics, guide), which C holds both of; only C mentions
// canes, the reranker's mark of relevance (0.9; every other passage 0.2).

export const QUESTION = "rose care";
export const A = "rose care guide";
export const B = "rose care basics";
export const C = "guide basics canes";
export const FILLER = [
  "rose care through the whole season in a sunny garden",
  "rose care in a shaded courtyard with clay soil",
  "rose care on a windy balcony in large pots",
  "rose care for climbing varieties along a fence",
  "rose care during a dry summer with little rain",
];

/** The scripted reranker's response, in the worker's wire format. */
export function scriptedRerank(request: RerankRequest): RerankResponse {
  const results = request.candidates
    .map((c, index) => {
      const score = c.text.includes("canes") ? 0.9 : 0.2;
      return { id: c.id, index, score, rawScore: score, truncatedTokens: 0 };
    })
    .sort((a, b) => b.score - a.score || a.index - b.index);
  return { model: { id: "scripted", version: "1" }, results, queueMs: 0, computeMs: 1 };
}

/** scriptedRerank behind real HTTP at POST /rerank-like URLs (any path), recording each request's query. */
export async function startScriptedWorker() {
  const queries: string[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const request = JSON.parse(body) as RerankRequest;
      queries.push(request.query);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(scriptedRerank(request)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    queries,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
