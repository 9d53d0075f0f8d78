import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

// Local rerank servers for tests, one per remote protocol, speaking its exact wire format over real HTTP:
// - nim: POST /v1/ranking { model, query: { text }, passages: [{ text }], truncate } → { rankings: [{ index, logit }] }
//   sorted by logit; any other field (top_n included) is a 422, as NIM does.
// - tei: POST /rerank { query, texts, truncate, raw_scores } → [{ index, score }] sorted by score; more than
//   `maxBatch` texts (TEI's --max-client-batch-size, 32) is a 422 Validation error.
// - cohere: POST /v2/rerank { model, query, documents, top_n? } → { id, results: [{ index, relevance_score }], meta }.
// Scoring: a logit from the query words a passage shares, +4 when it contains `boost` (so tests know the
// expected order); tei and cohere report sigmoid(logit).

export type RemoteProtocol = "nim" | "tei" | "cohere";

export type RerankMockMode =
  | "ok"
  /** 500 with an error body. */
  | "error"
  /** 429 with Retry-After: `retryAfter` (seconds, as a string so tests can send dates or fractions). */
  | "rate-limit"
  /** Reads the request and never answers. */
  | "hang"
  /** 200 with a body that is not JSON. */
  | "malformed";

export interface RecordedRerankCall {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

export interface MockRerankServer {
  url: string;
  protocol: RemoteProtocol;
  mode: RerankMockMode;
  retryAfter: string;
  /** Passages containing this word get +4 on their logit. */
  boost: string;
  maxBatch: number;
  /** Required `Authorization: Bearer` value; unset: none required. */
  apiKey?: string;
  calls: RecordedRerankCall[];
  close(): Promise<void>;
}

const PATHS: Record<RemoteProtocol, string> = { nim: "/v1/ranking", tei: "/rerank", cohere: "/v2/rerank" };

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** The mock's logit for a passage: shared query words, plus 4 with the boost word. */
export function mockLogit(query: string, text: string, boost: string): number {
  const words = (s: string) => new Set(s.toLowerCase().match(/[a-z0-9]+/g) ?? []);
  const q = words(query);
  const shared = [...words(text)].filter((w) => q.has(w)).length;
  return shared * 0.5 - 2 + (boost && words(text).has(boost) ? 4 : 0);
}

export async function startMockRerankServer({
  protocol,
  mode = "ok",
  boost = "",
  maxBatch = 32,
  apiKey,
  retryAfter = "1",
}: {
  protocol: RemoteProtocol;
  mode?: RerankMockMode;
  boost?: string;
  maxBatch?: number;
  apiKey?: string;
  retryAfter?: string;
}): Promise<MockRerankServer> {
  const state: MockRerankServer = {
    url: "",
    protocol,
    mode,
    retryAfter,
    boost,
    maxBatch,
    apiKey,
    calls: [],
    close: async () => {},
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    let raw = "";
    for await (const part of req) raw += part;
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return json(res, 400, { error: "invalid JSON body" });
    }
    state.calls.push({ path: req.url ?? "", headers: req.headers, body });

    if (req.method !== "POST" || req.url !== PATHS[protocol]) return json(res, 404, { error: "not found" });
    if (state.apiKey && req.headers.authorization !== `Bearer ${state.apiKey}`) {
      // Echoes what it got, as some gateways do: the client must not pass a key on.
      return json(res, 401, { message: `invalid api token: ${String(req.headers.authorization)}` });
    }
    switch (state.mode) {
      case "hang":
        return; // never answers
      case "error":
        return json(res, 500, errorBody(protocol, "scripted failure: model crashed"));
      case "rate-limit":
        res.writeHead(429, { "content-type": "application/json", "retry-after": state.retryAfter });
        return res.end(JSON.stringify(errorBody(protocol, "too many requests")));
      case "malformed":
        res.writeHead(200, { "content-type": "application/json" });
        return res.end('{"rankings": [ {"index": 0, "logit": ');
    }

    if (protocol === "nim") {
      const extra = Object.keys(body).filter((k) => !["model", "query", "passages", "truncate"].includes(k));
      const query = (body.query as { text?: unknown } | undefined)?.text;
      const passages = body.passages as { text?: unknown }[] | undefined;
      if (extra.length) return json(res, 422, { detail: `extra fields not permitted: ${extra.join(", ")}` });
      if (typeof body.model !== "string" || typeof query !== "string" || !Array.isArray(passages)) {
        return json(res, 422, { detail: "model, query.text and passages are required" });
      }
      const rankings = passages
        .map((p, index) => ({ index, logit: mockLogit(query, String(p.text), state.boost) }))
        .sort((a, b) => b.logit - a.logit);
      return json(res, 200, { rankings });
    }
    if (protocol === "tei") {
      const { query, texts } = body as { query?: unknown; texts?: unknown };
      if (typeof query !== "string" || !Array.isArray(texts)) {
        return json(res, 422, { error: "query and texts are required", error_type: "Validation" });
      }
      if (texts.length > state.maxBatch) {
        return json(res, 422, {
          error: `batch size ${texts.length} > maximum allowed batch size ${state.maxBatch}`,
          error_type: "Validation",
        });
      }
      const ranked = texts
        .map((t, index) => {
          const logit = mockLogit(query, String(t), state.boost);
          return { index, score: body.raw_scores === true ? logit : sigmoid(logit) };
        })
        .sort((a, b) => b.score - a.score);
      return json(res, 200, ranked);
    }
    const { model, query, documents, top_n } = body as {
      model?: unknown;
      query?: unknown;
      documents?: unknown;
      top_n?: unknown;
    };
    if (typeof model !== "string" || typeof query !== "string" || !Array.isArray(documents)) {
      return json(res, 400, { message: "model, query and documents are required" });
    }
    const results = documents
      .map((d, index) => ({ index, relevance_score: sigmoid(mockLogit(query, String(d), state.boost)) }))
      .sort((a, b) => b.relevance_score - a.relevance_score)
      .slice(0, typeof top_n === "number" ? top_n : documents.length);
    return json(res, 200, {
      id: `rerank-${state.calls.length}`,
      results,
      meta: { api_version: { version: "2" }, billed_units: { search_units: 1 } },
    });
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    });
  return state;
}

function errorBody(protocol: RemoteProtocol, message: string) {
  if (protocol === "tei") return { error: message, error_type: "Backend" };
  if (protocol === "nim") return { error: { message } };
  return { message };
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
