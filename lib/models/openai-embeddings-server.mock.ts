import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

// A local OpenAI-compatible embeddings server for tests: POST /v1/embeddings
// { model, input: string[], encoding_format: "float" } → { object: "list", data: [{ object: "embedding",
// index, embedding }], model, usage }. `data` comes back in reverse order (clients must sort by `index`)
// and unnormalised (clients must normalise). Vectors: a hashed bag of words of `dimension` floats, times 3.

export type EmbeddingsMockMode =
  | "ok"
  /** 500 with an OpenAI-style error body. */
  | "error"
  /** 429 with Retry-After for the next `failures` requests, then ok. */
  | "rate-limit"
  /** Reads the request and never answers. */
  | "hang"
  /** 200 with a body that is not JSON. */
  | "malformed";

export interface RecordedEmbeddingsCall {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: { model?: unknown; input?: unknown; encoding_format?: unknown; [key: string]: unknown };
}

export interface MockEmbeddingsServer {
  /** Base URL ending in /v1 (requests go to {baseURL}/embeddings). */
  baseURL: string;
  mode: EmbeddingsMockMode;
  /** Rate-limit mode: how many more requests get 429. */
  failures: number;
  retryAfter: string;
  dimension: number;
  calls: RecordedEmbeddingsCall[];
  close(): Promise<void>;
}

/** The mock's (unnormalised) vector for a text, as the server computes it. */
export function mockEmbedding(text: string, dimension: number): number[] {
  const v: number[] = new Array<number>(dimension).fill(0);
  for (const w of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    let h = 0;
    for (const ch of w) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
    v[h % dimension] += 3;
  }
  if (!v.some((x) => x !== 0)) v[0] = 3;
  return v;
}

export async function startMockEmbeddingsServer({
  dimension = 100,
  mode = "ok",
  failures = 1,
  retryAfter = "0",
  apiKey,
}: {
  dimension?: number;
  mode?: EmbeddingsMockMode;
  failures?: number;
  retryAfter?: string;
  apiKey?: string;
} = {}): Promise<MockEmbeddingsServer> {
  const state: MockEmbeddingsServer = {
    baseURL: "",
    mode,
    failures,
    retryAfter,
    dimension,
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
    let body: RecordedEmbeddingsCall["body"];
    try {
      body = JSON.parse(raw) as RecordedEmbeddingsCall["body"];
    } catch {
      return json(res, 400, { error: { message: "invalid JSON", type: "invalid_request_error" } });
    }
    state.calls.push({ path: req.url ?? "", headers: req.headers, body });
    if (req.method !== "POST" || req.url !== "/v1/embeddings") {
      return json(res, 404, { error: { message: "not found", type: "invalid_request_error" } });
    }
    if (apiKey && req.headers.authorization !== `Bearer ${apiKey}`) {
      return json(res, 401, {
        error: {
          message: `Incorrect API key provided: ${String(req.headers.authorization)}`,
          type: "invalid_request_error",
        },
      });
    }
    if (state.mode === "hang") return;
    if (state.mode === "error") {
      return json(res, 500, { error: { message: "scripted failure", type: "server_error" } });
    }
    if (state.mode === "malformed") {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end('{"data": [');
    }
    if (state.mode === "rate-limit" && state.failures > 0) {
      state.failures--;
      res.writeHead(429, { "content-type": "application/json", "retry-after": state.retryAfter });
      return res.end(JSON.stringify({ error: { message: "Rate limit reached", type: "requests" } }));
    }
    const input = body.input;
    if (typeof body.model !== "string" || !Array.isArray(input) || input.some((t) => typeof t !== "string")) {
      return json(res, 400, {
        error: { message: "model and input (string[]) are required", type: "invalid_request_error" },
      });
    }
    const data = (input as string[])
      .map((text, index) => ({ object: "embedding", index, embedding: mockEmbedding(text, state.dimension) }))
      .reverse();
    return json(res, 200, {
      object: "list",
      data,
      model: body.model,
      usage: { prompt_tokens: input.length, total_tokens: input.length },
    });
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  state.close = () =>
    new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    });
  return state;
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
