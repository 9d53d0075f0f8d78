import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { Db } from "@/db";
import { createDocumentUnlessDuplicate, getOwnerIdByEmail } from "@/db/queries/documents";
import { AppError, errorMessage } from "@/lib/errors";
import type { Embedder } from "@/lib/models/types";
import { startIngestRunner, type IngestJobReport } from "./runner";
import { prepareUpload } from "./upload";

// `npm run ingest` (scripts/ingest.ts): files and folders into RankLens, through the running app's API or
// straight into the database when no app holds it. Each file ends as ingested, duplicate or failed.

export type FileOutcome = { file: string; outcome: "ingested" | "duplicate" | "failed"; id?: string; error?: string };

export interface IngestSummary {
  ingested: number;
  duplicate: number;
  failed: number;
  files: FileOutcome[];
}

export interface Progress {
  tick(n?: number): void;
  done(): void;
}

/** The files under each path, folders recursed, dotfiles and dot-folders skipped, in a stable order. */
export async function collectFiles(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (p: string, explicit: boolean) => {
    if (!explicit && path.basename(p).startsWith(".")) return;
    const s = await stat(p);
    if (s.isDirectory()) {
      const entries = (await readdir(p)).sort();
      for (const e of entries) await walk(path.join(p, e), false);
    } else if (s.isFile()) out.push(p);
  };
  for (const p of paths) await walk(p, true);
  return out;
}

export function summarize(files: FileOutcome[]): IngestSummary {
  const count = (o: FileOutcome["outcome"]) => files.filter((f) => f.outcome === o).length;
  return { ingested: count("ingested"), duplicate: count("duplicate"), failed: count("failed"), files };
}

export function formatSummary(s: IngestSummary): string {
  const lines = [`ingested ${s.ingested}, duplicate ${s.duplicate}, failed ${s.failed}`];
  for (const f of s.files) if (f.outcome === "failed") lines.push(`  failed  ${f.file}: ${f.error}`);
  return lines.join("\n");
}

/**
 * Writes the files into the database and runs the ingest runner in this process until each of them is
 * ready or failed. `ownerEmail` picks the owner (a user that exists); default: the local user.
 */
export async function ingestDirect({
  db,
  files,
  ownerEmail,
  embedder,
  embedders,
  maxBytes,
  chunking,
  makeProgress,
}: {
  db: Db;
  files: string[];
  ownerEmail?: string;
  embedder: Embedder;
  /** The runner's getEmbedders (EmbedderSet.forIngest): vectors of the serving and any building embedder. */
  embedders?: () => Promise<Embedder[]>;
  maxBytes: number;
  chunking?: { size: number; overlap: number };
  makeProgress: (label: string, total: number) => Progress;
}): Promise<IngestSummary> {
  let ownerId: string | undefined;
  if (ownerEmail) {
    ownerId = (await getOwnerIdByEmail({ db, email: ownerEmail })) ?? undefined;
    if (!ownerId) throw new Error(`No user with the email ${ownerEmail}.`);
  }
  const outcomes: FileOutcome[] = [];
  const waiting = new Map<string, FileOutcome>();
  const stored = makeProgress("store", files.length);
  for (const file of files) {
    try {
      const raw = new Uint8Array(await readFile(file));
      const upload = prepareUpload({ name: path.basename(file), type: "", raw, maxBytes });
      const { id, duplicate } = await createDocumentUnlessDuplicate({ db, ...upload, ownerId });
      const o: FileOutcome = { file, outcome: duplicate ? "duplicate" : "ingested", id };
      outcomes.push(o);
      if (!duplicate) waiting.set(id, o);
    } catch (error) {
      if (!(error instanceof AppError) && !isFsError(error)) throw error;
      outcomes.push({ file, outcome: "failed", error: errorMessage(error) });
    }
    stored.tick();
  }
  stored.done();

  if (waiting.size > 0) {
    const progress = makeProgress("ingest", waiting.size);
    let resolveAll!: () => void;
    const allDone = new Promise<void>((r) => (resolveAll = r));
    let left = waiting.size;
    const onJob = (r: IngestJobReport) => {
      const o = waiting.get(r.documentId);
      if (!o || (r.outcome !== "ready" && r.outcome !== "failed")) return;
      waiting.delete(r.documentId);
      if (r.outcome === "failed") Object.assign(o, { outcome: "failed", error: r.error });
      progress.tick();
      if (--left === 0) resolveAll();
    };
    const runner = startIngestRunner({
      getDb: async () => db,
      getEmbedder: async () => embedder,
      ...(embedders ? { getEmbedders: embedders } : {}),
      ...(chunking ? { chunking } : {}),
      sweepMs: 1000,
      onJob,
      log: { info: () => {}, warn: () => {}, error: (m) => process.stderr.write(`${m}\n`) },
    });
    await allDone;
    await runner.stop();
    progress.done();
  }
  return summarize(outcomes);
}

function isFsError(error: unknown): boolean {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === "string";
}

/** Whether an app answers at this URL (any HTTP answer counts, 401 included). */
export async function appAnswers(appUrl: string, fetchImpl: typeof fetch = fetch): Promise<boolean> {
  try {
    await fetchImpl(new URL("/api/me", appUrl), { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

/**
 * Uploads the files to the app (POST /api/documents, one at a time, waiting out 429s), then follows the
 * new documents until each is ready or failed.
 */
export async function ingestViaApi({
  appUrl,
  files,
  apiKey,
  ownerEmail,
  maxBytes,
  makeProgress,
  fetchImpl = fetch,
  pollMs = 500,
}: {
  appUrl: string;
  files: string[];
  apiKey?: string;
  ownerEmail?: string;
  maxBytes: number;
  makeProgress: (label: string, total: number) => Progress;
  fetchImpl?: typeof fetch;
  pollMs?: number;
}): Promise<IngestSummary> {
  const headers: Record<string, string> = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
  const me = await fetchImpl(new URL("/api/me", appUrl), { headers });
  if (!me.ok) {
    throw new Error(
      `${appUrl} refused the credentials (HTTP ${me.status}): ` +
        (apiKey ? "check RANKLENS_API_KEY (a write-scope key)." : "set RANKLENS_API_KEY to a write-scope API key."),
    );
  }
  const who = (await me.json()) as { user?: { email?: string } };
  if (ownerEmail && who.user?.email?.toLowerCase() !== ownerEmail.toLowerCase()) {
    throw new Error(
      `--owner ${ownerEmail}: through the app, documents belong to the API key's user (${who.user?.email}).`,
    );
  }

  const outcomes: FileOutcome[] = [];
  const waiting = new Map<string, FileOutcome>();
  const uploaded = makeProgress("upload", files.length);
  for (const file of files) {
    try {
      const raw = await readFile(file);
      if (raw.byteLength > maxBytes) throw new Error(`larger than the ${maxBytes}-byte upload limit`);
      const form = new FormData();
      form.append("file", new File([raw], path.basename(file)));
      let res: Response;
      for (;;) {
        res = await fetchImpl(new URL("/api/documents", appUrl), { method: "POST", headers, body: form });
        if (res.status !== 429) break;
        const wait = Number(res.headers.get("retry-after") ?? 1);
        await new Promise((r) => setTimeout(r, Math.max(1, wait) * 1000));
      }
      const body = (await res.json().catch(() => ({}))) as {
        id?: string;
        duplicate?: boolean;
        error?: { message?: string };
      };
      if (res.status === 200 && body.duplicate) outcomes.push({ file, outcome: "duplicate", id: body.id });
      else if (res.status === 202 && body.id) {
        const o: FileOutcome = { file, outcome: "ingested", id: body.id };
        outcomes.push(o);
        waiting.set(body.id, o);
      } else outcomes.push({ file, outcome: "failed", error: body.error?.message ?? `HTTP ${res.status}` });
    } catch (error) {
      outcomes.push({ file, outcome: "failed", error: errorMessage(error) });
    }
    uploaded.tick();
  }
  uploaded.done();

  if (waiting.size > 0) {
    const progress = makeProgress("ingest", waiting.size);
    while (waiting.size > 0) {
      await new Promise((r) => setTimeout(r, pollMs));
      const res = await fetchImpl(new URL("/api/documents", appUrl), { headers });
      if (!res.ok) continue;
      const { documents } = (await res.json()) as { documents: { id: string; status: string; error: string | null }[] };
      for (const d of documents) {
        const o = waiting.get(d.id);
        if (!o || (d.status !== "ready" && d.status !== "failed")) continue;
        waiting.delete(d.id);
        if (d.status === "failed") Object.assign(o, { outcome: "failed", error: d.error ?? "ingestion failed" });
        progress.tick();
      }
    }
    progress.done();
  }
  return summarize(outcomes);
}
