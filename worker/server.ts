import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { formatIssues, rerankRequestSchema } from "@/lib/rerank/schema";
import { SerialQueue } from "./queue";
import type { LoadedReranker } from "./types";

// The reranker worker's HTTP server (plain node:http, JSON). It never touches the database: the app
// sends query and candidate texts, the worker returns scores. Requests run one at a time, in order.

export const MAX_BODY_BYTES = 5 * 1024 * 1024;
const MAX_QUEUE = 256;

type State =
  | { kind: "loading" }
  | { kind: "warming"; reranker: LoadedReranker }
  | { kind: "ready"; reranker: LoadedReranker; readyMs: number }
  | { kind: "failed"; error: string };

export interface WorkerServer {
  server: Server;
  /** Resolves once the model is loaded and warmed up; rejects if either fails. */
  ready: Promise<LoadedReranker>;
  listen(options: { port: number; host: string }): Promise<{ url: string }>;
  /** Stops accepting connections, lets queued requests finish, closes idle connections. */
  close(options?: { timeoutMs?: number }): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function createWorkerServer({
  reranker,
  maxBodyBytes = MAX_BODY_BYTES,
}: {
  reranker: LoadedReranker | Promise<LoadedReranker>;
  maxBodyBytes?: number;
}): WorkerServer {
  const startedAt = performance.now();
  let state: State = { kind: "loading" };
  let closing = false;
  const queue = new SerialQueue();

  const ready = (async () => {
    try {
      const loaded = await reranker;
      state = { kind: "warming", reranker: loaded };
      await loaded.warmUp();
      state = { kind: "ready", reranker: loaded, readyMs: performance.now() - startedAt };
      return loaded;
    } catch (error) {
      state = { kind: "failed", error: error instanceof Error ? error.message : String(error) };
      throw error;
    }
  })();
  // Callers observe failures through `ready` or /health; avoid an unhandled rejection meanwhile.
  ready.catch(() => undefined);

  const health = () => {
    const r = state.kind === "ready" || state.kind === "warming" ? state.reranker : null;
    return {
      live: true,
      ready: state.kind === "ready",
      status: state.kind,
      model: r ? r.info : null,
      executionProvider: r ? r.executionProvider : null,
      queueDepth: queue.depth,
      ...(state.kind === "failed" ? { error: state.error } : {}),
    };
  };

  async function rerank(req: IncomingMessage) {
    if (state.kind !== "ready") {
      throw new HttpError(503, "unavailable:rerank", notReadyMessage(state));
    }
    const loaded = state.reranker;
    const body = await readJson(req, maxBodyBytes);
    const parsed = rerankRequestSchema.safeParse(body);
    if (!parsed.success) throw new HttpError(400, "bad_request:rerank", formatIssues(parsed.error));
    const request = parsed.data;
    if (request.model && request.model !== loaded.info.id) {
      throw new HttpError(
        400,
        "bad_request:rerank",
        `model "${request.model}" is not loaded (this worker serves "${loaded.info.id}")`,
      );
    }
    if (queue.depth >= MAX_QUEUE)
      throw new HttpError(503, "unavailable:rerank", "reranker queue is full, try again later");
    const { value, queueMs, computeMs } = await queue.run(() => loaded.rerank(request));
    return { model: value.model, results: value.results, queueMs, computeMs };
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error("[worker] unexpected error:", error);
      if (!res.headersSent) send(res, 500, { error: { code: "internal:rerank", message: "internal error" } });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const reply = (status: number, payload: unknown) => {
      // While shutting down, end keep-alive connections after their response so close() can finish.
      if (closing) res.setHeader("connection", "close");
      send(res, status, payload);
    };
    const path = (req.url ?? "/").split("?")[0];
    const route = `${req.method} ${path}`;
    try {
      switch (route) {
        case "GET /health/live":
          return reply(200, { live: true });
        case "GET /health/ready": {
          const h = health();
          return reply(h.ready ? 200 : 503, {
            ready: h.ready,
            status: h.status,
            ...(h.error ? { error: h.error } : {}),
          });
        }
        case "GET /health": {
          const h = health();
          return reply(h.ready ? 200 : 503, h);
        }
        case "POST /rerank":
          return reply(200, await rerank(req));
        default:
          if (["/health", "/health/live", "/health/ready", "/rerank"].includes(path)) {
            throw new HttpError(405, "bad_request:rerank", `${req.method} is not allowed on ${path}`);
          }
          throw new HttpError(404, "not_found:rerank", `no route for ${route}`);
      }
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      if (error.status === 413) res.setHeader("connection", "close");
      return reply(error.status, { error: { code: error.code, message: error.message } });
    }
  }

  return {
    server,
    ready,
    listen: ({ port, host }) =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          const address = server.address() as AddressInfo;
          const hostname = address.family === "IPv6" ? `[${address.address}]` : address.address;
          resolve({ url: `http://${hostname}:${address.port}` });
        });
      }),
    close: async ({ timeoutMs = 10_000 } = {}) => {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
      await Promise.race([queue.drain(), timer]);
      server.closeIdleConnections();
      await Promise.race([closed, timer]);
      server.closeAllConnections();
    },
  };
}

function notReadyMessage(state: State): string {
  if (state.kind === "failed") return `reranker failed to load: ${state.error}`;
  if (state.kind === "warming") return "reranker is warming up";
  return "reranker model is loading";
}

function send(res: ServerResponse, status: number, body: unknown) {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(json),
  });
  res.end(json);
}

async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const tooLarge = () =>
    new HttpError(413, "too_large:rerank", `request body is larger than ${Math.round(maxBytes / (1024 * 1024))} MB`);
  const declared = Number(req.headers["content-length"] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();

  const chunks: Buffer[] = [];
  let total = 0;
  let over = false;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    // Keep reading (and discarding) so the client sees the 413 rather than a reset connection.
    if (total > maxBytes) over = true;
    else chunks.push(chunk);
  }
  if (over) throw tooLarge();
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") throw new HttpError(400, "bad_request:rerank", "request body is empty; send JSON");
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, "bad_request:rerank", "request body is not valid JSON");
  }
}
