import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDb } from "@/db";
import { listDocuments } from "@/db/queries/documents";
import { makePdf } from "./testing/fixtures";

// `npm run ingest` with no app answering: the script writes into a fresh PGlite directory and runs the
// ingest runner itself. A folder with good files, a duplicate, hidden files and two bad files gives the
// right summary and exit code 1.

const ROOT = path.resolve(import.meta.dirname, "../..");

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

function runIngest(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const proc = spawn(process.execPath, ["--import", "tsx", "scripts/ingest.ts", ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: "", RANKLENS_API_KEY: "", APP_URL: "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    proc.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    proc.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("npm run ingest (direct to the embedded database)", () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), "ranklens-cli-"));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it(
    "ingests a folder recursively, skips dotfiles, reports duplicates and failures, exits 1",
    { timeout: 300_000 },
    async () => {
      const docs = path.join(tmp, "docs");
      mkdirSync(path.join(docs, "sub"), { recursive: true });
      mkdirSync(path.join(docs, ".git"));
      writeFileSync(path.join(docs, "a.txt"), "Anchors hold the ferry against the tide.");
      writeFileSync(path.join(docs, "b.md"), "# Buoys\n\nRed buoys mark the port side.");
      writeFileSync(path.join(docs, "dup.txt"), "Anchors hold the ferry against the tide.");
      writeFileSync(
        path.join(docs, "sub", "c.html"),
        "<html><body><p>Charts show the channel.</p><script>x()</script></body></html>",
      );
      writeFileSync(path.join(docs, "sub", "d.pdf"), makePdf([["Depth soundings near the pier."]]));
      // A PNG named as text (refused before storing) and Latin-1 text (fails while parsing).
      writeFileSync(
        path.join(docs, "photo.txt"),
        new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
      );
      writeFileSync(
        path.join(docs, "sub", "latin1.txt"),
        new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x20, 0x6e, 0x6f, 0x69, 0x72]),
      );
      writeFileSync(path.join(docs, ".hidden.txt"), "never ingested");
      writeFileSync(path.join(docs, ".git", "HEAD"), "ref: refs/heads/main");

      const pgliteDir = path.join(tmp, "pglite");
      const appUrl = `http://127.0.0.1:${await closedPort()}`;
      const res = await runIngest([docs], { PGLITE_DIR: pgliteDir, APP_URL: appUrl });
      expect(res.stderr).toContain(`No app answers at ${appUrl}`);
      expect(res.stdout).toContain("ingested 4, duplicate 1, failed 2");
      expect(res.stdout).toMatch(/failed {2}.*photo\.txt: .*binary file \(a PNG image\)/);
      expect(res.stdout).toMatch(/failed {2}.*latin1\.txt: .*not valid UTF-8/);
      expect(res.stdout).not.toContain("hidden");
      expect(res.code).toBe(1);

      const { db, close } = await openDb({ pgliteDir });
      try {
        const stored = await listDocuments({ db });
        expect(stored.map((d) => `${d.name} ${d.status}`).sort()).toEqual([
          "a.txt ready",
          "b.md ready",
          "c.html ready",
          "d.pdf ready",
          "latin1.txt failed",
        ]);
        expect(stored.filter((d) => d.status === "ready").every((d) => d.chunkCount === 1)).toBe(true);
      } finally {
        await close();
      }

      // All good: exit code 0.
      const again = await runIngest([path.join(docs, "a.txt"), path.join(docs, "b.md")], {
        PGLITE_DIR: pgliteDir,
        APP_URL: appUrl,
      });
      expect(again.stdout).toContain("ingested 0, duplicate 2, failed 0");
      expect(again.code).toBe(0);
    },
  );
});
