// A local stand-in for the Hugging Face hub, enough for models:pull: the tree API (LFS files with
// sha256, small files with their git blob sha1, paged), /resolve/ with Range support and, like the hub,
// a redirect for LFS files. Faults on demand: a connection cut after N bytes, corrupted bytes.
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeHubOptions {
  /** Repository id → its files (path → bytes). */
  repos: Record<string, Record<string, Uint8Array>>;
  commit?: string;
  /** Entries per tree page (a Link header points to the next); all on one page when unset. */
  pageSize?: number;
}

export interface FakeHub {
  endpoint: string;
  requests: { path: string; range: string | null; status: number }[];
  /** The next download of this file stops after `bytes` bytes (the connection is destroyed). */
  cutAfter(file: string, bytes: number): void;
  /** Downloads of this file send different bytes of the right length. */
  corrupt(file: string): void;
  close(): Promise<void>;
}

const isLfs = (p: string) => /\.onnx(_data|\.data)?$/.test(p);

export async function startFakeHub(opts: FakeHubOptions): Promise<FakeHub> {
  const commit = opts.commit ?? "0123456789abcdef0123456789abcdef01234567";
  const cuts = new Map<string, number>();
  const corrupted = new Set<string>();
  const requests: FakeHub["requests"] = [];

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://hub");
    const send = (status: number, body: string | Uint8Array, headers: Record<string, string> = {}) => {
      requests.push({ path: url.pathname, range: req.headers.range ?? null, status });
      res.writeHead(status, headers).end(body);
    };
    const tree = /^\/api\/models\/([^/]+\/[^/]+)\/tree\/([^/]+)$/.exec(url.pathname);
    if (tree) {
      const files = opts.repos[tree[1]];
      if (!files) return send(404, JSON.stringify({ error: "Repository not found" }));
      const entries = Object.entries(files).map(([p, bytes]) => ({
        type: "file",
        path: p,
        size: bytes.length,
        oid: createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex"),
        ...(isLfs(p)
          ? { lfs: { oid: createHash("sha256").update(bytes).digest("hex"), size: bytes.length, pointerSize: 134 } }
          : {}),
      }));
      const size = opts.pageSize ?? entries.length;
      const page = Number(url.searchParams.get("page") ?? "0");
      const headers: Record<string, string> = { "content-type": "application/json" };
      if ((page + 1) * size < entries.length) {
        const next = new URL(url);
        next.searchParams.set("page", String(page + 1));
        headers.link = `<http://${req.headers.host}${next.pathname}${next.search}>; rel="next"`;
      }
      return send(200, JSON.stringify(entries.slice(page * size, (page + 1) * size)), headers);
    }
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const cdn = /^\/cdn\/([^/]+\/[^/]+)\/(.+)$/.exec(url.pathname);
    const [repo, file] = resolve ? [resolve[1], resolve[3]] : cdn ? [cdn[1], cdn[2]] : [null, null];
    const bytes = repo && file ? opts.repos[repo]?.[file] : undefined;
    if (!bytes) return send(404, "Entry not found");
    if (resolve && isLfs(file!)) return send(302, "", { location: `/cdn/${repo}/${file}`, "x-repo-commit": commit });
    let body = bytes;
    if (corrupted.has(file!)) body = bytes.map((b) => b ^ 0xff);
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    const start = range ? Number(range[1]) : 0;
    if (start >= body.length && range) return send(416, "");
    const headers: Record<string, string> = { "content-type": "application/octet-stream", "x-repo-commit": commit };
    const status = range ? 206 : 200;
    if (range) headers["content-range"] = `bytes ${start}-${body.length - 1}/${body.length}`;
    const slice = body.subarray(start);
    const cut = cuts.get(file!);
    if (cut !== undefined) {
      cuts.delete(file!);
      requests.push({ path: url.pathname, range: req.headers.range ?? null, status });
      res.writeHead(status, { ...headers, "content-length": String(slice.length) });
      res.write(slice.subarray(0, cut), () => setTimeout(() => res.destroy(), 20));
      return;
    }
    send(status, slice, { ...headers, "content-length": String(slice.length) });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    cutAfter: (file, bytes) => cuts.set(file, bytes),
    corrupt: (file) => corrupted.add(file),
    close: () => new Promise((r) => server.close(() => r())),
  };
}
