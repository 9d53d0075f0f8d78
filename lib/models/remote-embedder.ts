import { z } from "zod";
import type { EmbedKind, Embedder } from "./types";

// An embedder behind any OpenAI-compatible embeddings API (env EMBEDDER_URL): POST {base}/embeddings
// { model, input: [...], encoding_format: "float" } → { data: [{ index, embedding }] }. Texts go in
// batches (64 per request), get the query or passage prefix first, come back in `index` order and
// unit-normalised. 429, 5xx and connection errors are retried with exponential backoff, honouring
// Retry-After; anything else fails at once with the server's message. The API key never appears in an error.

export interface RemoteEmbedderOptions {
  /** Base URL, e.g. https://api.openai.com/v1 (requests go to {url}/embeddings). */
  url: string;
  model: string;
  dimension: number;
  apiKey?: string;
  queryPrefix?: string;
  passagePrefix?: string;
  /** Inputs per request. */
  batchSize?: number;
  /** One request's limit; each retry gets its own. */
  timeoutMs?: number;
  /** Retries after the first try (429, 5xx, connection errors, timeouts). */
  maxRetries?: number;
  /** First backoff; doubles on each retry (a Retry-After header overrides it). */
  backoffMs?: number;
  /** The longest wait honoured from Retry-After or backoff. */
  maxBackoffMs?: number;
  fetch?: typeof globalThis.fetch;
  sleep?: (ms: number) => Promise<void>;
}

export const EMBEDDER_BATCH_SIZE = 64;

const responseSchema = z.object({
  data: z.array(z.object({ index: z.number().int().min(0), embedding: z.array(z.number()) })),
});

export class EmbedderError extends Error {
  override name = "EmbedderError";
}

export function createRemoteEmbedder({
  url,
  model,
  dimension,
  apiKey,
  queryPrefix = "",
  passagePrefix = "",
  batchSize = EMBEDDER_BATCH_SIZE,
  timeoutMs = 30_000,
  maxRetries = 4,
  backoffMs = 500,
  maxBackoffMs = 30_000,
  fetch: fetchImpl = globalThis.fetch,
  sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
}: RemoteEmbedderOptions): Embedder {
  const endpoint = `${url.replace(/\/+$/, "")}/embeddings`;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/json",
    ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
  };
  const redact = (text: string) => (apiKey && apiKey.length >= 4 ? text.split(apiKey).join("[redacted]") : text);
  const fail = (message: string): never => {
    throw new EmbedderError(redact(`embeddings request to ${endpoint} failed: ${message}`));
  };

  async function embedBatch(input: string[]): Promise<Float32Array[]> {
    const body = JSON.stringify({ model, input, encoding_format: "float" });
    for (let attempt = 0; ; attempt++) {
      let retryAfterMs: number | null = null;
      let problem: string;
      try {
        const res = await fetchImpl(endpoint, {
          method: "POST",
          headers,
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
        const text = await res.text();
        if (res.ok) return parse(text, input.length);
        problem = `HTTP ${res.status}${detail(text)}`;
        if (res.status !== 429 && res.status < 500) fail(problem);
        retryAfterMs = retryAfter(res.headers.get("retry-after"));
      } catch (error) {
        if (error instanceof EmbedderError) throw error;
        problem =
          error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")
            ? `no answer within ${timeoutMs} ms`
            : errorCause(error);
      }
      if (attempt >= maxRetries) fail(`${problem} (after ${attempt + 1} tries)`);
      await sleep(Math.min(retryAfterMs ?? backoffMs * 2 ** attempt, maxBackoffMs));
    }
  }

  function parse(text: string, count: number): Float32Array[] {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return fail("the server returned malformed JSON");
    }
    const parsed = responseSchema.safeParse(json);
    if (!parsed.success) return fail(`unexpected response: ${parsed.error.issues[0]?.message ?? "wrong shape"}`);
    const out: (Float32Array | undefined)[] = new Array(count);
    for (const { index, embedding } of parsed.data.data) {
      if (index >= count) fail(`embedding index ${index} is out of range (${count} inputs)`);
      if (out[index]) fail(`embedding index ${index} appears twice`);
      if (embedding.length !== dimension) {
        fail(`the model returned ${embedding.length}-dimensional vectors but EMBEDDER_DIMENSION is ${dimension}`);
      }
      out[index] = normalise(embedding);
    }
    const missing = out.findIndex((v) => !v);
    if (missing >= 0 || out.length !== count) fail(`no embedding for input ${missing}`);
    return out as Float32Array[];
  }

  return {
    info: { id: `openai:${model}`, version: "remote" },
    dimension,
    async embed(texts: string[], { kind }: { kind: EmbedKind }) {
      const prefix = kind === "query" ? queryPrefix : passagePrefix;
      const inputs = texts.map((t) => prefix + t);
      const out: Float32Array[] = [];
      for (let i = 0; i < inputs.length; i += batchSize) {
        out.push(...(await embedBatch(inputs.slice(i, i + batchSize))));
      }
      return out;
    },
  };
}

function normalise(values: number[]): Float32Array {
  const v = Float32Array.from(values);
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] /= norm;
  return v;
}

function retryAfter(header: string | null): number | null {
  if (!header) return null;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

/** ": <message>" from an OpenAI-style `{ error: { message } }` body, or the start of a text body. */
function detail(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    const message = typeof parsed?.error === "string" ? parsed.error : (parsed?.error?.message ?? parsed?.message);
    if (typeof message === "string" && message) return `: ${message.slice(0, 200)}`;
  } catch {
    // not JSON
  }
  const text = body.trim().replace(/\s+/g, " ").slice(0, 200);
  return text ? `: ${text}` : "";
}

function errorCause(error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  const c = error instanceof Error ? error.cause : undefined;
  if (c instanceof Error && c.message) message = c.message;
  else if (c && typeof c === "object" && "code" in c) message = String(c.code);
  return message;
}

/**
 * Why the configured remote embedder cannot serve this database, or null. The vector column has a
 * fixed size (db/schema/chunks.ts EMBEDDING_DIM): another size needs a migration and a re-embed.
 */
export function remoteEmbedderConfigError(
  config: { EMBEDDER_URL?: string; EMBEDDER_DIMENSION?: number },
  columnDimension: number,
): string | null {
  if (!config.EMBEDDER_URL) return null;
  const dimension = config.EMBEDDER_DIMENSION ?? columnDimension;
  if (dimension === columnDimension) return null;
  return (
    `EMBEDDER_DIMENSION=${dimension} does not match the database's vector column (${columnDimension} dimensions): ` +
    `a remote embedder of another size needs a schema migration and a re-embed of every document, ` +
    `which this version does not do. Use a ${columnDimension}-dimensional model (or one that can shorten its ` +
    `vectors to ${columnDimension}), or unset EMBEDDER_URL for the starter embedder.`
  );
}
