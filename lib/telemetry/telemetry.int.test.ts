import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Db } from "@/db";
import { freePort } from "@/lib/net/free-port";
import { startOtlpReceiver, type ReceivedSpan } from "./otlp-receiver.mock";

// Request ids and traces end to end: the real search and chat route handlers behind a node:http server
// with the app's HTTP hooks (as instrumentation.ts installs them in Next.js), on PGlite with the real
// embedder, calling the real worker process over HTTP; both export OTLP/HTTP to a local receiver.

vi.mock("server-only", () => ({}));
const holder = vi.hoisted(() => ({ db: undefined as Db | undefined }));
vi.mock("@/db", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@/db")>();
  return { ...actual, getDb: async () => holder.db! };
});

const root = path.resolve(import.meta.dirname, "../..");
// Words that must never reach a log line: one in the query, one in a passage.
const QUERY_SENTINEL = `zqquery${randomUUID().replaceAll("-", "")}`;
const PASSAGE_SENTINEL = `zqpassage${randomUUID().replaceAll("-", "")}`;

const receiver = await startOtlpReceiver();
const workerPort = await freePort();
const savedEnv = { ...process.env };
const telemetryEnv = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: "ranklens-it", LOG_LEVEL: "info" };

let workerOutput = "";
const worker = spawn(process.execPath, ["--import", "tsx", "worker/index.ts"], {
  cwd: root,
  env: { ...process.env, ...telemetryEnv, WORKER_PORT: String(workerPort), WORKER_HOST: "127.0.0.1", WORKER_TOKEN: "" },
  stdio: ["ignore", "pipe", "pipe"],
});
worker.stdout.on("data", (d) => (workerOutput += d));
worker.stderr.on("data", (d) => (workerOutput += d));
const workerExited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));

// The app's environment, before anything reads lib/env.
Object.assign(process.env, telemetryEnv, {
  RERANKER_URL: `http://127.0.0.1:${workerPort}`,
  RERANKER_PROTOCOL: "ranklens",
  RERANK_DEADLINE_MS: "20000",
  RERANK_CACHE_TTL_MS: "0",
  AUTH_MODE: "local",
  HOST: "127.0.0.1",
});
const { openDb } = await import("@/db");
const { ingestFixture } = await import("@/db/testing");
const { createLogger } = await import("@/lib/log");
const { startTelemetry } = await import("./start");
const { installHttpRequestHooks } = await import("./http-hooks");
const search = await import("@/app/api/search/route");
const chat = await import("@/app/api/chat/route");

// The app's request log lines, as installHttpRequestHooks writes them.
const appLines: Record<string, unknown>[] = [];
let appRaw = "";
const telemetry = await startTelemetry();
const uninstall = installHttpRequestHooks({
  log: createLogger({
    write: (line) => {
      appRaw += `${line}\n`;
      appLines.push(JSON.parse(line) as Record<string, unknown>);
    },
  }),
});

let closeDb: () => Promise<void>;
let app: Server;
let appUrl: string;

const DOCS = [
  {
    name: "vaccines.txt",
    chunks: [
      "Vaccines expose the immune system to an antigen so that B cells learn to produce antibodies.",
      `Memory cells keep the antibody response ready for years ${PASSAGE_SENTINEL}.`,
    ],
  },
  {
    name: "pasta.txt",
    chunks: ["Boil the pasta in salted water for nine minutes.", "Toss it with olive oil and garlic."],
  },
];

async function waitForWorker(timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (worker.exitCode !== null) throw new Error(`worker exited (${worker.exitCode}):\n${workerOutput}`);
    const ok = await fetch(`http://127.0.0.1:${workerPort}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`worker not ready:\n${workerOutput}`);
}

async function readBody(req: IncomingMessage) {
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
  return chunks.length ? Buffer.concat(chunks) : undefined;
}

beforeAll(async () => {
  const opened = await openDb({ memory: true });
  holder.db = opened.db;
  closeDb = opened.close;
  await ingestFixture(opened.db, DOCS);
  // Next.js in miniature: node:http in front of the route handlers.
  app = createServer((req, res) => {
    void (async () => {
      const request = new Request(`http://127.0.0.1${req.url}`, {
        method: req.method,
        headers: Object.entries(req.headers).flatMap(([k, v]): [string, string][] =>
          typeof v === "string" ? [[k, v]] : [],
        ),
        body: await readBody(req),
      });
      const handler = req.url?.startsWith("/api/chat") ? chat.POST : search.POST;
      const response = await handler(request);
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (response.body) for await (const chunk of response.body) res.write(chunk);
      res.end();
    })();
  });
  await new Promise<void>((r) => app.listen(0, "127.0.0.1", r));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  await waitForWorker();
});

afterAll(async () => {
  uninstall();
  await telemetry?.shutdown();
  if (worker.exitCode === null) worker.kill("SIGKILL");
  await new Promise((r) => app?.close(r));
  await closeDb?.();
  await receiver.close();
  process.env = savedEnv;
});

const post = (route: string, requestId: string, body: unknown) =>
  fetch(`${appUrl}${route}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-request-id": requestId },
    body: JSON.stringify(body),
  });

const workerLines = () =>
  workerOutput
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

async function until<T>(what: string, fn: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const searchId = `it-search-${randomUUID()}`;
const chatId = `it-chat-${randomUUID()}`;
const query = `How do vaccines make antibodies ${QUERY_SENTINEL}`;

describe("request ids from the app to the worker", () => {
  it("a search carries its X-Request-Id to the worker, which logs it as JSON without any text", async () => {
    const res = await post("/api/search", searchId, { query });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get("x-request-id")).toBe(searchId);
    const body = (await res.json()) as { reranked: boolean; rerankSkippedReason?: string };
    expect(body.reranked, body.rerankSkippedReason).toBe(true);

    const line = await until("the worker's log line", () =>
      workerLines().find((l) => l.requestId === searchId && l.route === "/rerank"),
    );
    expect(line).toMatchObject({ level: "info", msg: "request", method: "POST", status: 200 });
    expect(line.pairs).toBeGreaterThan(0);
    expect(typeof line.ms).toBe("number");
    expect(workerOutput).not.toContain(QUERY_SENTINEL);
    expect(workerOutput).not.toContain(PASSAGE_SENTINEL);

    const appLine = await until("the app's log line", () => appLines.find((l) => l.requestId === searchId));
    expect(appLine).toMatchObject({ msg: "request", route: "/api/search", status: 200, userId: "local" });
    expect(appRaw).not.toContain(QUERY_SENTINEL);
    expect(appRaw).not.toContain(PASSAGE_SENTINEL);
  });

  it("an error response carries the request id too", async () => {
    const res = await post("/api/search", "it-bad-request", { query: "" });
    expect(res.status).toBe(400);
    expect(res.headers.get("x-request-id")).toBe("it-bad-request");
  });

  it("a chat answers and is logged under its id", async () => {
    const res = await post("/api/chat", chatId, { message: query });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBe(chatId);
    await res.text();
    await until("the chat's worker call", () => workerLines().find((l) => l.requestId === chatId));
  });
});

describe("OpenTelemetry traces (OTLP/HTTP to a local receiver)", () => {
  let spans: ReceivedSpan[];
  beforeAll(async () => {
    await telemetry!.forceFlush();
    // The worker sends its last spans as it stops.
    worker.kill("SIGTERM");
    await workerExited;
    spans = receiver.spans();
  });

  const requestSpan = (id: string, name: string) => {
    const span = spans.find((s) => s.attributes["ranklens.request_id"] === id && s.service === "ranklens-it");
    expect(span, `the app's request span for ${id}`).toBeDefined();
    expect(span!.name).toBe(name);
    return span!;
  };
  const childrenOf = (parent: ReceivedSpan) =>
    spans.filter((s) => s.parentSpanId === parent.spanId && s.traceId === parent.traceId);

  it("every export was OTLP JSON", () => {
    expect(receiver.rejected()).toBe(0);
    expect(spans.length).toBeGreaterThan(0);
  });

  it("a search is one trace: the request span, a span per stage, the worker's span under the rerank span", () => {
    const request = requestSpan(searchId, "POST /api/search");
    expect(request.kind).toBe(2); // SERVER
    expect(request.attributes["http.response.status_code"]).toBe(200);
    const stages = childrenOf(request);
    expect(stages.map((s) => s.name).sort()).toEqual(["bm25", "dense", "embed", "fusion", "rerank"]);

    const rerank = stages.find((s) => s.name === "rerank")!;
    const workerSpans = childrenOf(rerank);
    expect(workerSpans).toHaveLength(1);
    expect(workerSpans[0]).toMatchObject({ service: "ranklens-it-worker", name: "worker POST /rerank" });
    expect(workerSpans[0].attributes["ranklens.request_id"]).toBe(searchId);
    expect(workerSpans[0].attributes["ranklens.rerank.pairs"]).toBeGreaterThan(0);
  });

  it("a chat's trace has the answer's generate span beside the search stages", () => {
    const request = requestSpan(chatId, "POST /api/chat");
    const names = childrenOf(request).map((s) => s.name);
    expect(names.sort()).toEqual(["bm25", "dense", "embed", "fusion", "generate", "rerank"]);
  });

  it("no span carries a query or passage text", () => {
    const all = JSON.stringify(spans);
    expect(all).not.toContain(QUERY_SENTINEL);
    expect(all).not.toContain(PASSAGE_SENTINEL);
  });
});
