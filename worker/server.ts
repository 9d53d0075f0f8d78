import { isUtf8 } from "node:buffer";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { log } from "@/lib/log";
import type { RerankRequest, RerankResponse } from "@/lib/models/types";
import { formatIssues, MAX_RERANK_CANDIDATES, rerankRequestCheckWith } from "@/lib/rerank/schema";
import { runWithRequest } from "@/lib/telemetry/context";
import { REQUEST_ID_HEADER, requestIdFrom } from "@/lib/telemetry/request-id";
import { startServerSpan, withinSpan } from "@/lib/telemetry/tracing";
import { checkBearer, exposureError, PUBLIC_ROUTES } from "./auth";
import { Batcher, QueueFullError } from "./batcher";
import { cohereRerankSchema, fromCohere, fromNim, nimRankingSchema, toCohere, toNim } from "./compat";
import { createWorkerMetrics, ROUTES, type WorkerMetrics } from "./metrics";
import { isBatching, type LoadedReranker, type PreparedRerank } from "./types";

// The reranker worker's HTTP server (plain node:http, JSON). It never touches the database: the app
// sends query and candidate texts, the worker returns scores. Concurrent requests are batched into
// shared model calls (batcher.ts); its own API is POST /rerank, with NIM- and Cohere-style routes
// beside it (compat.ts), health routes and Prometheus metrics. With a token, every route but the two
// health probes needs `Authorization: Bearer <token>` (auth.ts). Query and passage texts are never logged.

export const MAX_BODY_BYTES = 8 * 1024 * 1024;
export const BATCH_DEFAULTS = { maxWaitMs: 2, batchTokens: 64 * 512, queueLimit: 10_000 };

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
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export interface WorkerServerOptions {
  reranker: LoadedReranker | Promise<LoadedReranker>;
  maxBodyBytes?: number;
  /** Candidates (passages, documents) per request. */
  maxCandidates?: number;
  /** Batching: maximum wait for company (ms), token budget per model call, queue limit in pairs. */
  batch?: Partial<typeof BATCH_DEFAULTS>;
  /** Process metrics (event loop, memory) on /metrics; off in unit tests. */
  defaultMetrics?: boolean;
  /** Shared secret (env WORKER_TOKEN): required as a Bearer token on every route but the health probes. */
  token?: string;
  /**
   * Loads the model again from disk (POST /admin/reload, after the reranker's head version changed):
   * the new model is loaded and warmed up beside the old one, then takes over; queued requests finish
   * on the old one. Without it the route answers 404.
   */
  reload?: () => Promise<LoadedReranker>;
}

export function createWorkerServer({
  reranker,
  maxBodyBytes = MAX_BODY_BYTES,
  maxCandidates = MAX_RERANK_CANDIDATES,
  batch = {},
  defaultMetrics = true,
  token,
  reload,
}: WorkerServerOptions): WorkerServer & { metrics: WorkerMetrics } {
  const startedAt = performance.now();
  let state: State = { kind: "loading" };
  let closing = false;
  const metrics = createWorkerMetrics({ defaultMetrics });
  const batchOptions = { ...BATCH_DEFAULTS, ...batch };
  let batcher: Batcher | null = null;
  const checkRerank = rerankRequestCheckWith(maxCandidates);
  const nimSchema = nimRankingSchema(maxCandidates);
  const cohereSchema = cohereRerankSchema(maxCandidates);

  const newBatcher = (loaded: LoadedReranker) =>
    new Batcher(loaded, {
        ...batchOptions,
        onDepth: (requests, pairs) => {
          metrics.queueDepth.set(requests);
          metrics.queuedPairs.set(pairs);
        },
        onBatch: ({ pairs, requests, waitMs, computeMs }) => {
          metrics.modelCalls.inc();
          metrics.batchPairs.observe(pairs);
          metrics.batchRequests.observe(requests);
          metrics.compute.observe(computeMs / 1000);
          for (const w of waitMs) metrics.queueWait.observe(w / 1000);
        },
      });

  const ready = (async () => {
    try {
      const loaded = await reranker;
      state = { kind: "warming", reranker: loaded };
      batcher = newBatcher(loaded);
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
      ...(r?.headVersion ? { headVersion: r.headVersion } : {}),
      executionProvider: r ? r.executionProvider : null,
      ...(r?.device ? { device: r.device } : {}),
      queueDepth: batcher?.depth ?? 0,
      ...(state.kind === "failed" ? { error: state.error } : {}),
    };
  };

  function readyModel(): LoadedReranker {
    if (state.kind !== "ready") {
      throw new HttpError(503, "unavailable:rerank", notReadyMessage(state));
    }
    return state.reranker;
  }

  let reloading: Promise<unknown> | null = null;
  async function reloadModel() {
    if (!reload) throw new HttpError(404, "not_found:rerank", "this worker cannot reload its model");
    const current = readyModel();
    // Concurrent reload calls share one load.
    reloading ??= (async () => {
      let loaded: LoadedReranker;
      try {
        loaded = await reload();
        await loaded.warmUp();
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        log.error("reload failed", { serving: `${current.info.id}@${current.info.version}`, error: message });
        throw new HttpError(500, "internal:rerank", `reload failed (the previous model keeps serving): ${message}`);
      }
      const old = batcher;
      batcher = newBatcher(loaded);
      state = { kind: "ready", reranker: loaded, readyMs: state.kind === "ready" ? state.readyMs : 0 };
      await old?.drain();
      log.info("model reloaded", {
        model: `${loaded.info.id}@${loaded.info.version}`,
        head: headVersionOf(loaded) ?? null,
        previous: current.info.version,
      });
      return { model: loaded.info, headVersion: headVersionOf(loaded), previous: current.info };
    })().finally(() => {
      reloading = null;
    });
    return reloading;
  }

  function checkModel(loaded: LoadedReranker, model: string | undefined) {
    if (model && model !== loaded.info.id) {
      throw new HttpError(
        400,
        "bad_request:rerank",
        `model "${model}" is not loaded (this worker serves "${loaded.info.id}")`,
      );
    }
  }

  function prepare(loaded: LoadedReranker, request: RerankRequest): PreparedRerank {
    if (isBatching(loaded)) return loaded.prepare(request);
    // A model without prepare (the test double): estimate tokens, capped as the real model caps them.
    const words = (t: string) => Math.min(512, Math.ceil(t.length / 6));
    const q = words(request.query);
    return {
      request,
      pairs: request.candidates.length,
      tokens: request.candidates.reduce((n, c) => n + q + words(c.text), 0),
      truncatedTokens: 0,
    };
  }

  async function score(prep: PreparedRerank, req: IncomingMessage): Promise<RerankResponse> {
    if (!batcher) throw new HttpError(503, "unavailable:rerank", notReadyMessage(state));
    pairsOf.set(req, prep.pairs);
    try {
      const { value, queueMs, computeMs } = await batcher.submit(prep);
      return { model: value.model, results: value.results, queueMs, computeMs };
    } catch (error) {
      if (error instanceof QueueFullError) {
        throw new HttpError(503, "unavailable:rerank", error.message, { "retry-after": String(error.retryAfterSeconds) });
      }
      throw error;
    }
  }

  async function rerank(req: IncomingMessage) {
    const loaded = readyModel();
    const parsed = checkRerank(await readJson(req, maxBodyBytes));
    if (!parsed.ok) throw new HttpError(400, "bad_request:rerank", parsed.error);
    checkModel(loaded, parsed.data.model);
    return score(prepare(loaded, parsed.data), req);
  }

  async function nimRanking(req: IncomingMessage) {
    const loaded = readyModel();
    const parsed = nimSchema.safeParse(await readJson(req, maxBodyBytes));
    if (!parsed.success) throw new HttpError(400, "bad_request:rerank", formatIssues(parsed.error));
    const request = fromNim(parsed.data);
    checkModel(loaded, request.model);
    const prep = prepare(loaded, request);
    if (parsed.data.truncate === "NONE" && prep.truncatedTokens > 0) {
      throw new HttpError(
        400,
        "bad_request:rerank",
        `query and passage exceed the model's maximum length (${prep.truncatedTokens} tokens over) and truncate is "NONE"`,
      );
    }
    return toNim(await score(prep, req));
  }

  async function cohereRerank(req: IncomingMessage) {
    const loaded = readyModel();
    const parsed = cohereSchema.safeParse(await readJson(req, maxBodyBytes));
    if (!parsed.success) throw new HttpError(400, "bad_request:rerank", formatIssues(parsed.error));
    const request = fromCohere(parsed.data);
    checkModel(loaded, request.model);
    const response = await score(prepare(loaded, request), req);
    return toCohere(response, request, parsed.data.return_documents === true);
  }

  /** (query, passage) pairs a request asked to score, for its log line and span. */
  const pairsOf = new WeakMap<IncomingMessage, number>();

  /**
   * One log line per request when its response ends (route, status, ms, pairs and the app's request id,
   * echoed in X-Request-Id; never a text), and its span, a child of the caller's traceparent when tracing.
   */
  function observe(req: IncomingMessage, res: ServerResponse) {
    const header = req.headers[REQUEST_ID_HEADER];
    const requestId = requestIdFrom(Array.isArray(header) ? header[0] : header);
    res.setHeader(REQUEST_ID_HEADER, requestId);
    const path = (req.url ?? "/").split("?")[0];
    const route = ROUTES.includes(path) ? path : "other";
    const started = performance.now();
    const span = startServerSpan(
      `worker ${req.method} ${route}`,
      { "http.request.method": req.method, "url.path": route, "ranklens.request_id": requestId },
      req.headers,
    );
    res.once("close", () => {
      const status = res.writableFinished ? res.statusCode : 499;
      const fields = {
        requestId,
        method: req.method,
        route,
        status,
        ms: Math.round((performance.now() - started) * 100) / 100,
        pairs: pairsOf.get(req) ?? 0,
      };
      if (span) {
        span.setAttributes({ "http.response.status_code": status, "ranklens.rerank.pairs": fields.pairs });
        if (status >= 500) span.fail(new Error(`HTTP ${status}`));
        span.end();
      }
      // Probes and scrapes come every few seconds: debug, unless they fail.
      if (status >= 500) log.error("request failed", fields);
      else if (path.startsWith("/health") || path === "/metrics") log.debug("request", fields);
      else log.info("request", fields);
    });
    return { requestId, span };
  }

  const server = createServer((req, res) => {
    const { requestId, span } = observe(req, res);
    runWithRequest({ requestId }, () => withinSpan(span, () => handle(req, res))).catch((error: unknown) => {
      // The message and stack only: an error object may carry the request it failed on (passage texts).
      const detail = error instanceof Error ? (error.stack ?? error.message) : "a non-Error value was thrown";
      log.error("unexpected error", { error: detail });
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
    const label = ROUTES.includes(path) ? path : "other";
    res.once("finish", () => metrics.requests.inc({ route: label, status: String(res.statusCode) }));
    try {
      // Before routing and before reading the body: an unauthenticated caller learns nothing and costs little.
      if (token && !PUBLIC_ROUTES.has(route)) {
        const header = req.headers.authorization;
        if (!checkBearer(header, token)) {
          throw new HttpError(
            401,
            "unauthorized:rerank",
            header
              ? "invalid worker token"
              : "this worker requires a token: send Authorization: Bearer <WORKER_TOKEN>",
            { "www-authenticate": header ? 'Bearer error="invalid_token"' : "Bearer" },
          );
        }
      }
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
        case "POST /v1/ranking":
          return reply(200, await nimRanking(req));
        case "POST /v2/rerank":
          return reply(200, await cohereRerank(req));
        case "POST /admin/reload":
          return reply(200, await reloadModel());
        case "GET /metrics": {
          const text = await metrics.registry.metrics();
          res.writeHead(200, { "content-type": metrics.registry.contentType });
          return res.end(text);
        }
        default:
          if (ROUTES.includes(path)) {
            throw new HttpError(405, "bad_request:rerank", `${req.method} is not allowed on ${path}`);
          }
          throw new HttpError(404, "not_found:rerank", `no route for ${route}`);
      }
    } catch (error) {
      if (!(error instanceof HttpError)) {
        metrics.errors.inc({ route: label, code: "internal:rerank" });
        throw error;
      }
      metrics.errors.inc({ route: label, code: error.code });
      if (error.status === 413) res.setHeader("connection", "close");
      for (const [k, v] of Object.entries(error.headers)) res.setHeader(k, v);
      return reply(error.status, { error: { code: error.code, message: error.message } });
    }
  }

  return {
    server,
    metrics,
    ready,
    listen: ({ port, host }) =>
      new Promise((resolve, reject) => {
        const refused = exposureError(host, token);
        if (refused) return reject(new Error(refused));
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
      await Promise.race([batcher ? batcher.drain() : Promise.resolve(), timer]);
      server.closeIdleConnections();
      await Promise.race([closed, timer]);
      server.closeAllConnections();
    },
  };
}

const headVersionOf = (r: LoadedReranker) => r.headVersion ?? null;

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
  const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
  if (!isUtf8(body)) {
    throw new HttpError(400, "bad_request:rerank", "request body is not valid UTF-8; send JSON encoded as UTF-8");
  }
  let text = body.toString("utf8");
  // A leading byte-order mark is dropped, as a UTF-8 TextDecoder does.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === "") throw new HttpError(400, "bad_request:rerank", "request body is empty; send JSON");
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, "bad_request:rerank", "request body is not valid JSON");
  }
}
