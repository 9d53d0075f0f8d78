// `npm run models:pull <hf-id> [--variant quantized]`: downloads a Hugging Face ONNX export and its
// tokenizer into models/<owner>--<name>, resuming partial files (HTTP Range) and checking every file
// against the hub's own checksums (sha256 for LFS files, the git blob sha1 for small ones), then writes
// manifest.json. The endpoint is configurable (HF_ENDPOINT: a mirror, or a local server in tests).
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { MODEL_REGISTRY } from "../registry";
import { inferManifest, MANIFEST_FILE, parseManifest, sha256File, type HfManifest } from "./manifest";

/** One file of a repository as the hub's tree API lists it. */
export interface RepoEntry {
  type: "file" | "directory";
  path: string;
  size: number;
  /** Git blob sha1. */
  oid: string;
  lfs?: { oid: string; size: number };
}

export interface PullProgress {
  file: string;
  received: number;
  total: number;
  /** Bytes already on disk from an earlier, interrupted download. */
  resumedFrom: number;
}

export interface PullOptions {
  id: string;
  modelsDir: string;
  endpoint: string;
  revision?: string;
  /** "quantized" → onnx/model_quantized.onnx; any other name → onnx/model_<name>.onnx. */
  variant?: string;
  fetch?: typeof fetch;
  onProgress?: (p: PullProgress) => void;
}

export interface PullResult {
  dir: string;
  manifest: HfManifest;
  files: { path: string; bytes: number; resumedFrom: number; skipped: boolean }[];
}

const REQUIRED = ["config.json", "tokenizer.json"];
// Small files that tell the manifest more: max length, pooling (sentence-transformers), licence.
const OPTIONAL = [
  "tokenizer_config.json",
  "special_tokens_map.json",
  "sentence_bert_config.json",
  "1_Pooling/config.json",
  "README.md",
];

export function modelFolderName(id: string, variant?: string): string {
  if (!/^\w[\w.-]*\/\w[\w.-]*$/.test(id)) throw new Error(`"${id}" is not a Hugging Face model id (owner/name)`);
  return id.replace("/", "--") + (variant ? `-${variant}` : "");
}

/** The ONNX file (and its external-data files) to fetch for a variant. */
export function chooseFiles(entries: RepoEntry[], variant?: string): { model: string; files: RepoEntry[] } {
  // Paths come from the server: never let one point outside the model folder.
  const files = entries.filter(
    (e) => e.type === "file" && !path.isAbsolute(e.path) && !e.path.split("/").includes(".."),
  );
  const byPath = new Map(files.map((e) => [e.path, e]));
  const name = variant ? `model_${variant}.onnx` : "model.onnx";
  const model = [`onnx/${name}`, name].find((p) => byPath.has(p));
  if (!model) {
    const available = files.filter((e) => e.path.endsWith(".onnx")).map((e) => e.path);
    throw new Error(
      `no ${variant ? `${variant} variant (${name})` : "ONNX export (onnx/model.onnx)"} in the repository` +
        (available.length ? `; it has ${available.join(", ")}` : ": it has no .onnx file"),
    );
  }
  for (const r of REQUIRED) if (!byPath.has(r)) throw new Error(`the repository has no ${r}`);
  // Models over 2 GB keep their weights beside the graph (model.onnx_data, model.onnx.data, …).
  const externalData = files.filter((e) => e.path !== model && e.path.startsWith(model) && !e.path.endsWith(".onnx"));
  const wanted = [model, ...externalData.map((e) => e.path), ...REQUIRED, ...OPTIONAL.filter((p) => byPath.has(p))];
  return { model, files: wanted.map((p) => byPath.get(p)!) };
}

/** The hub's checksum of a file: sha256 for LFS files, otherwise the git blob sha1. */
async function matchesHub(file: string, entry: RepoEntry): Promise<boolean> {
  if (entry.lfs) return (await sha256File(file)) === entry.lfs.oid;
  const bytes = await readFile(file);
  const sha1 = createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
  return sha1 === entry.oid;
}

async function listRepo(
  opts: Required<Pick<PullOptions, "id" | "endpoint" | "revision" | "fetch">>,
): Promise<RepoEntry[]> {
  const entries: RepoEntry[] = [];
  let url: string | null =
    `${opts.endpoint}/api/models/${opts.id}/tree/${encodeURIComponent(opts.revision)}?recursive=true`;
  while (url) {
    const res: Response = await opts.fetch(url);
    if (res.status === 404 || res.status === 401)
      throw new Error(`${opts.id} (revision ${opts.revision}) is not on ${opts.endpoint} (HTTP ${res.status})`);
    if (!res.ok) throw new Error(`listing ${opts.id} failed: HTTP ${res.status}`);
    entries.push(...((await res.json()) as RepoEntry[]));
    // Large repositories are paged (Link: <...>; rel="next").
    url = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get("link") ?? "")?.[1] ?? null;
  }
  return entries;
}

/** Downloads one file into `<dest>.part`, resuming from what is there, then moves it into place. */
async function download(
  url: string,
  dest: string,
  entry: RepoEntry,
  fetchImpl: typeof fetch,
  onProgress?: (p: PullProgress) => void,
): Promise<{ bytes: number; resumedFrom: number; commit: string | null }> {
  const part = `${dest}.part`;
  await mkdir(path.dirname(dest), { recursive: true });
  const total = entry.lfs?.size ?? entry.size;
  let have = await stat(part).then(
    (s) => s.size,
    () => 0,
  );
  if (have > total) {
    await rm(part);
    have = 0;
  }
  let res: Response | null = null;
  let resumedFrom = 0;
  if (have < total || total === 0) {
    res = await fetchImpl(url, { headers: have > 0 ? { Range: `bytes=${have}-` } : {} });
    if (res.status === 416) {
      // The server says the range is past the end: what we have is complete (or wrong; the checksum decides).
      await res.body?.cancel();
    } else if (res.status !== 200 && res.status !== 206) {
      await res.body?.cancel();
      throw new Error(`${entry.path}: HTTP ${res.status}`);
    } else {
      // 200 to a Range request: the server ignored it, so start over.
      resumedFrom = res.status === 206 ? have : 0;
      const out = createWriteStream(part, { flags: resumedFrom > 0 ? "a" : "w" });
      let received = resumedFrom;
      onProgress?.({ file: entry.path, received, total, resumedFrom });
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          if (!out.write(chunk)) await new Promise<void>((r) => out.once("drain", () => r()));
          received += chunk.byteLength;
          onProgress?.({ file: entry.path, received, total, resumedFrom });
        }
      } finally {
        await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
      }
    }
  }
  if (!(await matchesHub(part, entry))) {
    await rm(part, { force: true });
    throw new Error(
      `${entry.path}: checksum mismatch (expected ${entry.lfs ? `sha256 ${entry.lfs.oid}` : `git sha1 ${entry.oid}`}); the partial file was removed, pull again`,
    );
  }
  await rename(part, dest);
  return { bytes: total, resumedFrom, commit: res?.headers.get("x-repo-commit") ?? null };
}

export async function pullModel(opts: PullOptions): Promise<PullResult> {
  const fetchImpl = opts.fetch ?? fetch;
  const revision = opts.revision ?? "main";
  const endpoint = opts.endpoint.replace(/\/+$/, "");
  const dir = path.join(opts.modelsDir, modelFolderName(opts.id, opts.variant));
  const { model, files } = chooseFiles(
    await listRepo({ id: opts.id, endpoint, revision, fetch: fetchImpl }),
    opts.variant,
  );

  const results: PullResult["files"] = [];
  let commit: string | null = null;
  for (const entry of files) {
    const dest = path.join(dir, entry.path);
    if (
      await stat(dest).then(
        (s) => s.isFile(),
        () => false,
      )
    ) {
      if (await matchesHub(dest, entry)) {
        results.push({ path: entry.path, bytes: entry.lfs?.size ?? entry.size, resumedFrom: 0, skipped: true });
        continue;
      }
    }
    const url = `${endpoint}/${opts.id}/resolve/${encodeURIComponent(revision)}/${entry.path}`;
    const done = await download(url, dest, entry, fetchImpl, opts.onProgress);
    commit ??= done.commit;
    results.push({ path: entry.path, bytes: done.bytes, resumedFrom: done.resumedFrom, skipped: false });
  }

  const manifest = await buildManifest(
    dir,
    opts.id,
    commit ?? revision,
    model,
    files.map((f) => f.path),
  );
  await writeFile(path.join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + "\n");
  return { dir, manifest, files: results };
}

/** The manifest of a pulled folder: inferred from config.json, refined by the repository's own files. */
async function buildManifest(
  dir: string,
  id: string,
  revision: string,
  model: string,
  files: string[],
): Promise<HfManifest> {
  const inferred = await inferManifest(dir);
  const readJson = <T>(p: string) =>
    readFile(path.join(dir, p), "utf8").then(
      (t) => JSON.parse(t) as T,
      () => null,
    );
  const sentenceBert = await readJson<{ max_seq_length?: number }>("sentence_bert_config.json");
  const pooling = await readJson<{ pooling_mode_cls_token?: boolean; pooling_mode_mean_tokens?: boolean }>(
    "1_Pooling/config.json",
  );
  const readme = await readFile(path.join(dir, "README.md"), "utf8").catch(() => "");
  const licence = /^---[\s\S]*?^license:\s*(\S+)[\s\S]*?^---/m.exec(readme)?.[1];
  const known = MODEL_REGISTRY.find((m) => m.id === id);
  return parseManifest({
    ...inferred,
    id,
    revision,
    model,
    maxLength: sentenceBert?.max_seq_length
      ? Math.min(sentenceBert.max_seq_length, inferred.maxLength)
      : inferred.maxLength,
    pooling: known?.pooling ?? (pooling?.pooling_mode_cls_token ? "cls" : inferred.pooling),
    queryPrefix: known?.queryPrefix ?? "",
    passagePrefix: known?.passagePrefix ?? "",
    licence: licence ?? "unknown",
    files: await Promise.all(
      files.map(async (p) => ({
        path: p,
        sha256: await sha256File(path.join(dir, p)),
        size: (await stat(path.join(dir, p))).size,
      })),
    ),
  });
}

/** `onnx/model.onnx  [#########-----------]  45%  12.3/27.0 MB` */
export function progressLine(p: PullProgress, width = 24): string {
  const fraction = p.total > 0 ? Math.min(1, p.received / p.total) : 1;
  const filled = Math.round(fraction * width);
  const mb = (n: number) => (n / 1e6).toFixed(1);
  const resumed = p.resumedFrom > 0 ? ` (resumed at ${mb(p.resumedFrom)} MB)` : "";
  return `${p.file}  [${"#".repeat(filled)}${"-".repeat(width - filled)}]  ${String(Math.floor(fraction * 100)).padStart(3)}%  ${mb(p.received)}/${mb(p.total)} MB${resumed}`;
}
