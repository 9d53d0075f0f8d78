import { env } from "@/lib/env";
import type { RerankRequest, RerankResponse } from "@/lib/models/types";
import { formatIssues, rerankResponseSchema } from "./schema";

// HTTP client for the reranker worker (or anything speaking its API). It never throws: search answers
// from the fused order when reranking fails, and records the reason this returns. Several worker URLs
// are used round-robin; a connection error (refused, reset) is retried once on the next worker; a
// worker failing RERANK_BREAKER_FAILURES times in a row has its circuit opened for
// RERANK_BREAKER_COOLDOWN_MS, then one half-open probe decides whether it closes again.

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
  fetch?: typeof globalThis.fetch;
  /** The workers' shared secret (env WORKER_TOKEN), sent as `Authorization: Bearer` on every call. */
  token?: string;
  /** Consecutive failures of a worker that open its circuit (env RERANK_BREAKER_FAILURES). */
  breakerFailures?: number;
  /** How long an open circuit refuses calls before one half-open probe (env RERANK_BREAKER_COOLDOWN_MS). */
  breakerCooldownMs?: number;
  now?: () => number;
}

interface Endpoint {
  url: string;
  failures: number;
  /** Circuit open until this time (ms); 0 = closed. */
  openUntil: number;
  probing: boolean;
}

type Attempt =
  | { kind: "ok"; outcome: RerankOutcome }
  | { kind: "connection"; reason: string }
  | { kind: "failed"; reason: string; countsAsFailure: boolean };

/** Connection errors worth one retry: the request never reached a worker, or the worker went away. */
const RETRYABLE = /ECONNREFUSED|ECONNRESET|EPIPE|socket hang up|other side closed|UND_ERR_SOCKET/i;

export function createRerankClient({
  url,
  deadlineMs,
  fetch: fetchImpl = globalThis.fetch,
  token,
  breakerFailures = env.RERANK_BREAKER_FAILURES,
  breakerCooldownMs = env.RERANK_BREAKER_COOLDOWN_MS,
  now = Date.now,
}: RerankClientOptions): RerankClient {
  const endpoints: Endpoint[] = url
    .split(",")
    .map((u) => u.trim().replace(/\/+$/, ""))
    .filter(Boolean)
    .map((u) => ({ url: u, failures: 0, openUntil: 0, probing: false }));
  let next = 0;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/json",
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  };

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
      return;
    }
    e.failures++;
    if (wasProbe || e.failures >= breakerFailures) e.openUntil = now() + breakerCooldownMs;
  }

  async function attempt(e: Endpoint, request: RerankRequest, signal: AbortSignal, started: number): Promise<Attempt> {
    const failed = (reason: string, countsAsFailure = true): Attempt => ({ kind: "failed", reason, countsAsFailure });
    try {
      const res = await fetchImpl(`${e.url}/rerank`, {
        method: "POST",
        headers,
        body: JSON.stringify(request),
        signal,
      });
      const body = await res.text();
      // 4xx is the caller's request, not the worker's health.
      if (!res.ok) return failed(`reranker returned HTTP ${res.status}${detail(body)}`, res.status >= 500);
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        return failed(`reranker returned malformed JSON (HTTP ${res.status})`);
      }
      const parsed = rerankResponseSchema.safeParse(json);
      if (!parsed.success) {
        return failed(`reranker returned an invalid response (HTTP ${res.status}): ${formatIssues(parsed.error)}`);
      }
      const bad = parsed.data.results.find((r) => r.index >= request.candidates.length);
      if (bad) return failed(`reranker returned an invalid response: result index ${bad.index} is out of range`);
      return { kind: "ok", outcome: { ok: true, response: parsed.data, wallMs: performance.now() - started } };
    } catch (error) {
      if (signal.aborted) return failed(`reranker deadline exceeded (${deadlineMs} ms)`);
      const reason = cause(error);
      const text = `reranker unavailable: ${reason}`;
      return RETRYABLE.test(reason) || RETRYABLE.test(String(error)) ? { kind: "connection", reason: text } : failed(text);
    }
  }

  return {
    async rerank(request) {
      const started = performance.now();
      const fail = (reason: string): RerankOutcome => ({ ok: false, reason, wallMs: performance.now() - started });
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
    },
  };

  function circuitOpen(): string {
    return endpoints.length > 1 ? `reranker circuit open (all ${endpoints.length} workers)` : "reranker circuit open";
  }
}

/** ": <message>" from a `{ error: { message } }` body, or the start of a text body. */
function detail(body: string): string {
  try {
    const message = (JSON.parse(body) as { error?: { message?: unknown } })?.error?.message;
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
