// Starts scripts/scale-out.sh from TypeScript and talks to the apps it runs over their public HTTP API, as
// a client would: sign in, create an API key, upload, chat. Shared by the scale-out test
// (e2e/scale-out) and the load benchmark (scripts/bench-load.ts).
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";

export interface ScaleOut {
  apps: string[];
  workers: string[];
  /** Where the processes' logs and pid files are (DIR/app-1.log, DIR/worker-2.pid, …). */
  dir: string;
  log(name: string): string;
  /** SIGKILL to one process (e.g. "worker-1"); resolves once it is gone. */
  kill(name: string): Promise<void>;
  /** SIGTERM to scale-out.sh, which stops every process it started; resolves when it has exited. */
  stop(): Promise<void>;
}

export interface ScaleOutOptions {
  apps: number;
  workers: number;
  port: number;
  workerPort: number;
  dir: string;
  /** Added to this process's environment (DATABASE_URL, AUTH_MODE, WORKER_TOKEN, …). */
  env: Record<string, string>;
  timeoutS?: number;
}

export function startScaleOut(opts: ScaleOutOptions): Promise<ScaleOut> {
  const args = [
    "scripts/scale-out.sh",
    ...["--apps", String(opts.apps), "--workers", String(opts.workers), "--port", String(opts.port)],
    ...["--worker-port", String(opts.workerPort), "--dir", opts.dir, "--timeout", String(opts.timeoutS ?? 240)],
  ];
  const child = spawn("bash", args, {
    cwd: path.resolve(import.meta.dirname, ".."),
    env: { ...process.env, ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const workers = Array.from({ length: opts.workers }, (_, i) => `http://127.0.0.1:${opts.workerPort + i}`);
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stderr!.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-8000)));
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const line = /^ready (.+)$/m.exec(out);
      if (line) resolve(handle(child, exited, line[1].trim().split(/\s+/), workers, opts.dir));
    });
    child.once("exit", (code) => reject(new Error(`scale-out.sh exited (${code}) before it was ready:\n${err}`)));
  });
}

function handle(child: ChildProcess, exited: Promise<void>, apps: string[], workers: string[], dir: string): ScaleOut {
  return {
    apps,
    workers,
    dir,
    log: (name) => readFileSync(path.join(dir, `${name}.log`), "utf8"),
    async kill(name) {
      const pid = Number(readFileSync(path.join(dir, `${name}.pid`), "utf8").trim());
      process.kill(pid, "SIGKILL");
      for (let tries = 0; tries < 100; tries++) {
        try {
          process.kill(pid, 0); // still there (scale-out.sh reaps it in a moment)
        } catch {
          return;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`${name} (pid ${pid}) still runs after SIGKILL`);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Signs in by email + password (Better Auth); returns the session cookie. Waits out a 429's Retry-After. */
export async function signIn(app: string, origin: string, email: string, password: string): Promise<string> {
  for (;;) {
    const res = await fetch(`${app}/api/auth/sign-in/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin },
      body: JSON.stringify({ email, password }),
    });
    if (res.status === 429) {
      // The sign-in limit (20 a minute per address) is part of what runs: wait as a client must.
      const after = Number(res.headers.get("x-retry-after") ?? res.headers.get("retry-after") ?? 10);
      await new Promise((r) => setTimeout(r, (Number.isFinite(after) ? after : 10) * 1000 + 100));
      continue;
    }
    if (res.status !== 200) throw new Error(`sign-in of ${email} at ${app}: HTTP ${res.status} ${await res.text()}`);
    const cookie = res.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    if (!cookie) throw new Error(`sign-in of ${email} at ${app} set no cookie`);
    return cookie;
  }
}

/** A JSON request with a session cookie (and the app's origin, which cookie-authenticated writes need). */
export async function asUser<T = unknown>(
  app: string,
  auth: { cookie: string; origin: string } | { key: string },
  method: string,
  route: string,
  body?: unknown,
): Promise<{ status: number; json: T }> {
  const headers: Record<string, string> =
    "key" in auth ? { authorization: `Bearer ${auth.key}` } : { cookie: auth.cookie, origin: auth.origin };
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${app}${route}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text for the error message
  }
  return { status: res.status, json: json as T };
}

/** POST /api/keys as the signed-in user: the `rlk_…` key, shown this once. */
export async function createApiKey(app: string, session: { cookie: string; origin: string }, scope: "read" | "write") {
  const res = await asUser<{ key: string }>(app, session, "POST", "/api/keys", { name: `key-${Date.now()}`, scope });
  if (res.status !== 201) throw new Error(`creating an API key: HTTP ${res.status} ${JSON.stringify(res.json)}`);
  return res.json.key;
}

/** Uploads one text file (multipart field `file`): the document's id, and whether it was already there. */
export async function uploadText(
  app: string,
  key: string,
  name: string,
  text: string,
): Promise<{ id: string; duplicate: boolean }> {
  const form = new FormData();
  form.append("file", new File([text], name, { type: "text/plain" }));
  const res = await fetch(`${app}/api/documents`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}` },
    body: form,
  });
  const body = (await res.json().catch(() => ({}))) as { id?: string; duplicate?: boolean };
  if ((res.status !== 202 && res.status !== 200) || !body.id) {
    throw new Error(`upload of ${name} to ${app}: HTTP ${res.status} ${JSON.stringify(body)}`);
  }
  return { id: body.id, duplicate: body.duplicate === true };
}

export interface ChatOutcome {
  status: number;
  /** The error body when status is not 200. */
  error?: string;
  runId?: string;
  reranked?: boolean;
  rerankSkippedReason?: string;
  text: string;
  /** Client-side: until the first answer text arrived, and until the stream ended. */
  firstTextMs?: number;
  totalMs: number;
}

/** POST /api/chat `{ message }` with an API key, reading the UI message stream to its end. */
export async function chat(app: string, key: string, message: string): Promise<ChatOutcome> {
  const started = performance.now();
  const res = await fetch(`${app}/api/chat`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ message }),
  });
  if (res.status !== 200 || !res.body) {
    return { status: res.status, error: await res.text(), text: "", totalMs: performance.now() - started };
  }
  const outcome: ChatOutcome = { status: 200, text: "", totalMs: 0 };
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const bytes of res.body) {
    buffered += decoder.decode(bytes, { stream: true });
    let end: number;
    while ((end = buffered.indexOf("\n\n")) >= 0) {
      const event = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const data = event.startsWith("data: ") ? event.slice(6) : "";
      if (!data || data === "[DONE]") continue;
      const part = JSON.parse(data) as {
        type: string;
        delta?: string;
        errorText?: string;
        data?: { runId: string; reranked: boolean; rerankSkippedReason?: string };
      };
      if (part.type === "data-run" && part.data) {
        outcome.runId = part.data.runId;
        outcome.reranked = part.data.reranked;
        if (part.data.rerankSkippedReason) outcome.rerankSkippedReason = part.data.rerankSkippedReason;
      } else if (part.type === "text-delta" && part.delta) {
        outcome.firstTextMs ??= performance.now() - started;
        outcome.text += part.delta;
      } else if (part.type === "error") {
        outcome.error = part.errorText ?? "stream error";
      }
    }
  }
  outcome.totalMs = performance.now() - started;
  return outcome;
}
