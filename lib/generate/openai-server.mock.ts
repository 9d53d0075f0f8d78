import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

// A local OpenAI-compatible chat completions server for tests: real HTTP, the real streaming wire
// format (server-sent events of chat.completion.chunk objects, then `data: [DONE]`).

export type MockMode =
  /** Stream `answer` in small pieces. */
  | "ok"
  /** Answer 500 with an OpenAI-style error body. */
  | "fail"
  /** Stream the first pieces, then drop the connection. */
  | "cut";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: {
    model?: string;
    stream?: boolean;
    messages?: { role: string; content: string | unknown }[];
    [key: string]: unknown;
  };
}

export interface MockOpenAIServer {
  /** Base URL to give the provider, ending in /v1. */
  baseURL: string;
  requests: RecordedRequest[];
  mode: MockMode;
  answer: string;
  /** When set, the reply to each request (in place of `answer`), e.g. by what its prompt asks for. */
  reply?: (body: RecordedRequest["body"]) => string;
  /** When set, the non-streaming reply's `usage` per request (default 10 prompt + 10 completion tokens). */
  usage?: (body: RecordedRequest["body"]) => { prompt_tokens: number; completion_tokens: number };
  close(): Promise<void>;
}

export const DEFAULT_MOCK_ANSWER =
  "According to the documents, the reranker reorders the fused candidates by relevance [1].";

export async function startMockOpenAIServer({
  answer = DEFAULT_MOCK_ANSWER,
  mode = "ok",
  pieceChars = 8,
}: {
  answer?: string;
  mode?: MockMode;
  pieceChars?: number;
} = {}): Promise<MockOpenAIServer> {
  const state: MockOpenAIServer = {
    baseURL: "",
    requests: [],
    mode,
    answer,
    close: async () => {},
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const raw = await readBody(req);
    let body: RecordedRequest["body"] = {};
    try {
      body = raw ? JSON.parse(raw) : {};
    } catch {
      return json(res, 400, {
        error: { message: "invalid JSON", type: "invalid_request_error" },
      });
    }
    state.requests.push({
      method: req.method ?? "",
      path: req.url ?? "",
      headers: req.headers,
      body,
    });

    if (req.method !== "POST" || req.url !== "/v1/chat/completions") {
      return json(res, 404, {
        error: { message: "not found", type: "invalid_request_error" },
      });
    }
    if (state.mode === "fail") {
      return json(res, 500, {
        error: { message: "scripted failure", type: "server_error" },
      });
    }

    const id = `chatcmpl-mock-${state.requests.length}`;
    const answerText = state.reply ? state.reply(body) : state.answer;
    const created = Math.floor(Date.now() / 1000);
    const model = body.model ?? "mock-model";
    const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) => ({
      id,
      object: "chat.completion.chunk",
      created,
      model,
      choices: [{ index: 0, delta, finish_reason: finishReason }],
    });

    if (!body.stream) {
      return json(res, 200, {
        id,
        object: "chat.completion",
        created,
        model,
        choices: [
          {
            index: 0,
            message: { role: "assistant", content: answerText },
            finish_reason: "stop",
          },
        ],
        usage: (() => {
          const u = state.usage?.(body) ?? { prompt_tokens: 10, completion_tokens: 10 };
          return { ...u, total_tokens: u.prompt_tokens + u.completion_tokens };
        })(),
      });
    }

    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
    const send = (data: unknown) => res.write(`data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`);

    send(chunk({ role: "assistant", content: "" }));
    const pieces = answerText.match(new RegExp(`[\\s\\S]{1,${pieceChars}}`, "g")) ?? [];
    for (const [i, piece] of pieces.entries()) {
      if (state.mode === "cut" && i >= Math.max(1, Math.floor(pieces.length / 3))) {
        res.destroy();
        return;
      }
      send(chunk({ content: piece }));
      await new Promise((resolve) => setImmediate(resolve));
    }
    send(chunk({}, "stop"));
    send({
      id,
      object: "chat.completion.chunk",
      created,
      model,
      choices: [],
      usage: {
        prompt_tokens: 10,
        completion_tokens: pieces.length,
        total_tokens: 10 + pieces.length,
      },
    });
    send("[DONE]");
    res.end();
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  state.baseURL = `http://127.0.0.1:${port}/v1`;
  state.close = () =>
    new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    });
  return state;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on("data", (part: Buffer) => parts.push(part));
    req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    req.on("error", reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
