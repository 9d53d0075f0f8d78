import http from "node:http";
import https from "node:https";

// How the rerank client posts a call. The default is node:http(s) over keep-alive agents shared by every
// client in the process: undici's fetch (WHATWG streams, a Request/Response per call, the body copied
// into a Uint8Array and again into a stream chunk) cost more CPU than the worker's whole model call for a
// 45-passage request (~110 KB of JSON). A `fetch` can still be given (tests, other runtimes).

export interface PostResponse {
  status: number;
  /** A response header, lower-case name; null when absent. */
  header(name: string): string | null;
  body: string;
}

export type Post = (
  url: string,
  init: { headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<PostResponse>;

/**
 * Idle connections per origin are kept for reuse. A connection the server closed while idle fails its
 * next request with ECONNRESET ("socket hang up"), which the client retries once, like any reset; the
 * agents also drop idle sockets a second before the server's Keep-Alive timeout hint (Node's default).
 */
// Nagle's algorithm stays on (Node's default): with noDelay the client spent ~40 % more CPU per call, each
// write going out as its own segments instead of the kernel coalescing header and body.
const AGENT = { keepAlive: true, maxFreeSockets: 256, scheduling: "lifo" } as const;
const agents = { "http:": new http.Agent(AGENT), "https:": new https.Agent(AGENT) };

/** POST over node:http(s) with the shared keep-alive agents; the signal aborts connecting, sending and reading. */
export const keepAlivePost: Post = (url, { headers, body, signal }) =>
  new Promise<PostResponse>((resolve, reject) => {
    const target = new URL(url);
    const client = target.protocol === "https:" ? https : target.protocol === "http:" ? http : null;
    if (!client) return reject(new Error(`unsupported URL scheme ${target.protocol} in ${target.origin}`));
    const encoded = encodeBody(body);
    const req = client.request(
      target,
      {
        method: "POST",
        headers: { ...headers, "content-length": String(encoded.bytes.length) },
        agent: agents[target.protocol as keyof typeof agents],
        signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        const cut = () => reject(withCode(Object.assign(new Error("aborted"), { code: "ECONNRESET" })));
        res.once("error", (e) => reject(withCode(e)));
        // A connection closed mid-body ends in "close" without "end" (settling twice is a no-op).
        res.once("close", () => (res.complete ? undefined : cut()));
        res.once("end", () => {
          if (!res.complete) return cut();
          resolve({
            status: res.statusCode ?? 0,
            header: (name) => {
              const v = res.headers[name.toLowerCase()];
              return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
            },
            body: chunks.length === 1 ? chunks[0].toString("utf8") : Buffer.concat(chunks).toString("utf8"),
          });
        });
      },
    );
    req.once("error", (e) => reject(withCode(e)));
    // "finish": the last byte went to the operating system, so the buffer can take another body.
    req.once("finish", encoded.release);
    req.end(encoded.bytes);
  });

/**
 * Request bodies are encoded into reused buffers: Buffer.from (or node:http, given a string) allocates
 * ~128 KB afresh for every call, which cost more than encoding itself. A buffer goes back to the pool once
 * its request was written out; a request that fails before that leaves its buffer to the garbage collector.
 */
const pool: Buffer[] = [];
const POOL_BUFFERS = 32;
const POOL_BUFFER_BYTES = 1024 * 1024;

function encodeBody(body: string): { bytes: Buffer; release: () => void } {
  const most = body.length * 3; // UTF-8 takes at most 3 bytes per UTF-16 unit
  let buf = pool.pop();
  if (!buf || buf.length < most) buf = Buffer.allocUnsafeSlow(Math.max(most, 64 * 1024));
  const owned = buf;
  return {
    bytes: buf.subarray(0, buf.write(body)),
    release: () => {
      if (pool.length < POOL_BUFFERS && owned.length <= POOL_BUFFER_BYTES) pool.push(owned);
    },
  };
}

/** The error's code in its message when the message lacks it ("aborted" → "aborted (ECONNRESET)"). */
function withCode(error: Error & { code?: unknown }): Error {
  if (error.name === "AbortError" || typeof error.code !== "string" || error.message.includes(error.code)) return error;
  return Object.assign(new Error(`${error.message} (${error.code})`), { code: error.code });
}

/** A WHATWG fetch as a Post (the client's `fetch` option). */
export function fetchPost(fetchImpl: typeof globalThis.fetch): Post {
  return async (url, { headers, body, signal }) => {
    const res = await fetchImpl(url, { method: "POST", headers, body, signal });
    const text = await res.text();
    return { status: res.status, header: (name) => res.headers.get(name), body: text };
  };
}
