import type { RerankRequest, RerankResponse } from "@/lib/models/types";
import { formatIssues, rerankResponseSchema } from "./schema";

// HTTP client for the reranker worker (or anything speaking its API). It never throws: search answers
// from the fused order when reranking fails, and records the reason this returns.

export type RerankOutcome =
  { ok: true; response: RerankResponse; wallMs: number } | { ok: false; reason: string; wallMs: number };

export interface RerankClient {
  rerank(request: RerankRequest): Promise<RerankOutcome>;
}

export function createRerankClient({
  url,
  deadlineMs,
  fetch: fetchImpl = globalThis.fetch,
}: {
  url: string;
  deadlineMs: number;
  fetch?: typeof globalThis.fetch;
}): RerankClient {
  const endpoint = `${url.replace(/\/+$/, "")}/rerank`;

  return {
    async rerank(request) {
      const started = performance.now();
      const fail = (reason: string): RerankOutcome => ({ ok: false, reason, wallMs: performance.now() - started });
      // One deadline for connecting, waiting and reading the body.
      const signal = AbortSignal.timeout(deadlineMs);
      try {
        const res = await fetchImpl(endpoint, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json" },
          body: JSON.stringify(request),
          signal,
        });
        const body = await res.text();
        if (!res.ok) return fail(`reranker returned HTTP ${res.status}${detail(body)}`);
        let json: unknown;
        try {
          json = JSON.parse(body);
        } catch {
          return fail(`reranker returned malformed JSON (HTTP ${res.status})`);
        }
        const parsed = rerankResponseSchema.safeParse(json);
        if (!parsed.success) {
          return fail(`reranker returned an invalid response (HTTP ${res.status}): ${formatIssues(parsed.error)}`);
        }
        const bad = parsed.data.results.find((r) => r.index >= request.candidates.length);
        if (bad) return fail(`reranker returned an invalid response: result index ${bad.index} is out of range`);
        return { ok: true, response: parsed.data, wallMs: performance.now() - started };
      } catch (error) {
        if (signal.aborted) return fail(`reranker deadline exceeded (${deadlineMs} ms)`);
        return fail(`reranker unavailable: ${cause(error)}`);
      }
    },
  };
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
