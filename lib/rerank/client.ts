import { env } from "@/lib/env";
import type { RerankRequest, RerankResponse, RerankResult } from "@/lib/models/types";
import { currentRequest } from "@/lib/telemetry/context";
import { REQUEST_ID_HEADER } from "@/lib/telemetry/request-id";
import { injectTraceHeaders, withSpan } from "@/lib/telemetry/tracing";
import { decodeCall, remoteModelInfo, wireCalls, type RerankProtocol, type Scored } from "./protocols";
import { checkRerankResponse } from "./schema";
import { fetchPost, keepAlivePost, type Post } from "./transport";

// HTTP client for the reranker worker (or anything speaking its API). It never throws: search answers
// from the fused order when reranking fails, and records the reason this returns. Several worker URLs
// are used round-robin; a connection error (refused, reset) is retried once on the next worker; a
// worker failing RERANK_BREAKER_FAILURES times in a row has its circuit opened for
// RERANK_BREAKER_COOLDOWN_MS, then one half-open probe decides whether it closes again.
// The same client speaks remote rerank APIs (protocols.ts: NVIDIA NIM, TEI, Cohere). A 429 opens that
// endpoint's circuit for its Retry-After (not counted as a failure); the call moves to another URL, or
// waits and retries once when Retry-After ends before the deadline, or fails open saying so.

export type RerankOutcome =
  { ok: true; response: RerankResponse; wallMs: number } | { ok: false; reason: string; wallMs: number };

export interface RerankClient {
  rerank(request: RerankRequest): Promise<RerankOutcome>;
}

export interface RerankClientOptions {
  /** A worker URL, or several comma-separated: requests rotate over them (round-robin). */
  url: string;
  /** One deadline per call: connecting, waiting, reading the body and the retry together. */
  deadlineMs: number;
  /** Posts through this fetch instead of node:http's keep-alive agents (transport.ts). */
  fetch?: typeof globalThis.fetch;
  /** The workers' shared secret (env WORKER_TOKEN), sent as `Authorization: Bearer` on every call. */
  token?: string;
  /** Consecutive failures of a worker that open its circuit (env RERANK_BREAKER_FAILURES). */
  breakerFailures?: number;
  /** How long an open circuit refuses calls before one half-open probe (env RERANK_BREAKER_COOLDOWN_MS). */
  breakerCooldownMs?: number;
  now?: () => number;
  /** Wire format (env RERANKER_PROTOCOL); default ranklens, our worker. */
  protocol?: RerankProtocol;
  /** Model name sent to nim and cohere (env RERANKER_MODEL); names the cache key's model for remotes. */
  model?: string;
  /** TEI: texts per call (TEI's --max-client-batch-size); larger sets are split. */
  teiBatchSize?: number;
}

/** The longest Retry-After the breaker honours (a misconfigured server could ask for days). */
const MAX_RETRY_AFTER_MS = 5 * 60_000;

interface Endpoint {
  url: string;
  failures: number;
  /** Circuit open until this time (ms); 0 = closed. */
  openUntil: number;
  probing: boolean;
  /** Open because of a 429 until this time (ms); 0 = not rate-limited. */
  limitedUntil: number;
}

type Attempt =
  | { kind: "ok"; outcome: RerankOutcome }
  | { kind: "connection"; reason: string }
  | { kind: "failed"; reason: string; countsAsFailure: boolean }
  | { kind: "limited"; reason: string; retryAfterMs: number | null };

/** Connection errors worth one retry: the request never reached a worker, or the worker went away. */
const RETRYABLE = /ECONNREFUSED|ECONNRESET|EPIPE|socket hang up|other side closed|UND_ERR_SOCKET/i;

export function createRerankClient({
  url,
  deadlineMs,
  fetch: fetchImpl,
  token,
  breakerFailures = env.RERANK_BREAKER_FAILURES,
  breakerCooldownMs = env.RERANK_BREAKER_COOLDOWN_MS,
  now = Date.now,
  protocol = "ranklens",
  model,
  teiBatchSize,
}: RerankClientOptions): RerankClient {
  const endpoints: Endpoint[] = url
    .split(",")
    .map((u) => u.trim().replace(/\/+$/, ""))
    .filter(Boolean)
    .map((u) => ({ url: u, failures: 0, openUntil: 0, probing: false, limitedUntil: 0 }));
  let next = 0;
  const post: Post = fetchImpl ? fetchPost(fetchImpl) : keepAlivePost;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/json",
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  };

  /** Per call: the request's id (the worker logs it) and the rerank span's traceparent (its spans nest under it). */
  function callHeaders(): Record<string, string> {
    const requestId = currentRequest()?.requestId;
    const h: Record<string, string> = { ...headers, ...(requestId ? { [REQUEST_ID_HEADER]: requestId } : {}) };
    injectTraceHeaders(h);
    return h;
  }

  /** The next endpoint in rotation that admits a call (closed, or open past its cooldown and not probing). */
  function pick(exclude?: Endpoint): Endpoint | null {
    for (let i = 0; i < endpoints.length; i++) {
      const e = endpoints[(next + i) % endpoints.length];
      if (e === exclude && endpoints.length > 1) continue;
      if (e.openUntil === 0) {
        next = (next + i + 1) % endpoints.length;
        return e;
      }
      if (now() >= e.openUntil && !e.probing) {
        e.probing = true; // half-open: this call is the probe
        next = (next + i + 1) % endpoints.length;
        return e;
      }
    }
    return null;
  }

  function record(e: Endpoint, ok: boolean) {
    const wasProbe = e.probing;
    e.probing = false;
    if (ok) {
      e.failures = 0;
      e.openUntil = 0;
      e.limitedUntil = 0;
      return;
    }
    e.failures++;
    if (wasProbe || e.failures >= breakerFailures) e.openUntil = now() + breakerCooldownMs;
  }

  async function attempt(e: Endpoint, request: RerankRequest, signal: AbortSignal, started: number): Promise<Attempt> {
    const failed = (reason: string, countsAsFailure = true): Attempt => ({ kind: "failed", reason, countsAsFailure });
    try {
      const calls = wireCalls(protocol, request, { model, teiBatchSize });
      const callStarted = performance.now();
      // TEI splits large sets: its calls go out together and all must succeed.
      const answers = await Promise.all(
        calls.map(async (call) => {
          const res = await post(`${e.url}${call.path}`, {
            headers: callHeaders(),
            body: JSON.stringify(call.body),
            signal,
          });
          return { call, res, body: res.body };
        }),
      );
      const scored: Scored[] = [];
      let worker: RerankResponse | null = null;
      for (const { call, res, body } of answers) {
        if (res.status === 429) {
          const retryAfterMs = parseRetryAfter(res.header("retry-after"), now());
          const after = retryAfterMs === null ? "" : `, retry after ${Math.ceil(retryAfterMs / 1000)} s`;
          return { kind: "limited", reason: `reranker rate-limited (HTTP 429${after})${detail(body)}`, retryAfterMs };
        }
        // 4xx is the caller's request, not the worker's health.
        if (res.status < 200 || res.status > 299) return failed(`reranker returned HTTP ${res.status}${detail(body)}`, res.status >= 500);
        let json: unknown;
        try {
          json = JSON.parse(body);
        } catch {
          return failed(`reranker returned malformed JSON (HTTP ${res.status})`);
        }
        if (protocol === "ranklens") {
          const checked = checkRerankResponse(json);
          if (!checked.ok) return failed(`reranker returned an invalid response (HTTP ${res.status}): ${checked.error}`);
          const bad = checked.data.results.find((r) => r.index >= request.candidates.length);
          if (bad) return failed(`reranker returned an invalid response: result index ${bad.index} is out of range`);
          worker = checked.data;
        } else {
          const decoded = decodeCall(protocol, json, call);
          if (!decoded.ok)
            return failed(`reranker returned an invalid response (HTTP ${res.status}): ${decoded.error}`);
          scored.push(...decoded.scored);
        }
      }
      const wallMs = performance.now() - started;
      if (worker) return { kind: "ok", outcome: { ok: true, response: worker, wallMs } };
      // A remote reports no model or timings: the round trip counts as compute.
      const results: RerankResult[] = scored
        .sort((a, b) => b.score - a.score || a.index - b.index)
        .slice(0, request.topN ?? scored.length)
        .map((s) => ({ id: request.candidates[s.index].id, ...s, truncatedTokens: 0 }));
      const response: RerankResponse = {
        model: remoteModelInfo(protocol as Exclude<RerankProtocol, "ranklens">, model),
        results,
        queueMs: 0,
        computeMs: performance.now() - callStarted,
      };
      return { kind: "ok", outcome: { ok: true, response, wallMs } };
    } catch (error) {
      if (signal.aborted) return failed(`reranker deadline exceeded (${deadlineMs} ms)`);
      const reason = cause(error);
      const text = `reranker unavailable: ${reason}`;
      return RETRYABLE.test(reason) || RETRYABLE.test(String(error))
        ? { kind: "connection", reason: text }
        : failed(text);
    }
  }

  /** Never lets the API key reach a reason (reasons are logged, stored with the run and shown). */
  const redact = (reason: string) => (token && token.length >= 4 ? reason.split(token).join("[redacted]") : reason);

  return {
    rerank: (request) =>
      withSpan(
        "rerank",
        { "ranklens.rerank.candidates": request.candidates.length, "ranklens.rerank.protocol": protocol },
        async (span) => {
          const outcome = await rerankOnce(request);
          span?.setAttributes({ "ranklens.rerank.ok": outcome.ok, "ranklens.rerank.wall_ms": outcome.wallMs });
          if (!outcome.ok) span?.fail(new Error(outcome.reason));
          return outcome;
        },
      ),
  };

  async function rerankOnce(request: RerankRequest): Promise<RerankOutcome> {
    const started = performance.now();
    const fail = (reason: string): RerankOutcome => ({
      ok: false,
      reason: redact(reason),
      wallMs: performance.now() - started,
    });
    try {
      const signal = AbortSignal.timeout(deadlineMs);
      const first = pick();
      if (!first) return fail(circuitOpen());
      let endpoint: Endpoint = first;
      // One retry on a connection error: on the next worker in rotation (the same one if it is alone).
      for (let tries = 0; ; tries++) {
        const result = await attempt(endpoint, request, signal, started);
        if (result.kind === "ok") {
          record(endpoint, true);
          return result.outcome;
        }
        if (result.kind === "limited") {
          // Rate-limited: neither a success nor a failure; the endpoint rests for its Retry-After.
          endpoint.probing = false;
          const waitMs = result.retryAfterMs;
          if (waitMs !== null && waitMs > 0) {
            endpoint.limitedUntil = now() + waitMs;
            endpoint.openUntil = Math.max(endpoint.openUntil, endpoint.limitedUntil);
          }
          if (tries > 0 || signal.aborted) return fail(result.reason);
          const other = endpoints.length > 1 ? pick(endpoint) : null;
          if (other && other !== endpoint) {
            endpoint = other;
            continue;
          }
          // Alone: wait out Retry-After only when it ends before the deadline.
          const left = deadlineMs - (performance.now() - started);
          if (waitMs === null || waitMs >= left) return fail(result.reason);
          await sleep(waitMs, signal);
          if (signal.aborted) return fail(`reranker deadline exceeded (${deadlineMs} ms)`);
          endpoint.openUntil = 0;
          endpoint.limitedUntil = 0;
          continue;
        }
        if (result.kind === "failed") {
          if (result.countsAsFailure) record(endpoint, false);
          else record(endpoint, true);
          return fail(result.reason);
        }
        record(endpoint, false);
        const retry = tries === 0 && !signal.aborted ? pick(endpoint) : null;
        if (!retry) return fail(result.reason);
        endpoint = retry;
      }
    } catch (error) {
      return fail(`reranker client error: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  function circuitOpen(): string {
    const limited = endpoints.filter((e) => e.limitedUntil > now());
    if (limited.length > 0 && limited.length === endpoints.length) {
      const soonest = Math.min(...limited.map((e) => e.limitedUntil)) - now();
      return `reranker rate-limited (HTTP 429), retry after ${Math.ceil(soonest / 1000)} s`;
    }
    return endpoints.length > 1 ? `reranker circuit open (all ${endpoints.length} workers)` : "reranker circuit open";
  }
}

/**
 * ": <message>" from a `{ error: { message } }` body (ours, NIM), `{ error: "…" }` (TEI), `{ message }`
 * (Cohere), `{ detail: "…" }` (FastAPI 422s), or the start of a text body.
 */
function detail(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown; detail?: unknown };
    const message =
      typeof parsed?.error === "string" ? parsed.error : (parsed?.error?.message ?? parsed?.message ?? parsed?.detail);
    if (typeof message === "string" && message) return `: ${message.slice(0, 200)}`;
  } catch {
    // not JSON
  }
  const text = body.trim().replace(/\s+/g, " ").slice(0, 200);
  return text ? `: ${text}` : "";
}

/** The most specific reason a fetch failed: undici puts "connect ECONNREFUSED …" in `cause`. */
function cause(error: unknown): string {
  let current: unknown = error;
  let message = error instanceof Error ? error.message : String(error);
  for (let depth = 0; depth < 5 && current instanceof Error && current.cause !== undefined; depth++) {
    current = current.cause;
    if (current instanceof Error && current.message) message = current.message;
    else if (current && typeof current === "object" && "code" in current) message = String(current.code);
  }
  return message;
}

/** Retry-After in ms: delta-seconds or an HTTP date; null when absent or unreadable; capped. */
export function parseRetryAfter(header: string | null, nowMs: number): number | null {
  if (!header) return null;
  const value = header.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(value)) ms = Number(value) * 1000;
  else {
    const at = Date.parse(value);
    if (Number.isNaN(at)) return null;
    ms = Math.max(0, at - nowMs);
  }
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
