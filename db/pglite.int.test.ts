import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { describeDbSuite } from "./db-suite";
import { openDb } from "./index";
import { claimNextIngestJob, createDocumentWithJob, getDocumentById } from "./queries/documents";

describeDbSuite("PGlite (in memory)", () => openDb({ memory: true }));

describe("PGlite data directory", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ranklens-pglite-"));
  const dir = path.join(tmp, "pglite");
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("refuses a second opener while the directory is locked, and reopens after close", async () => {
    const first = await openDb({ pgliteDir: dir });
    expect(fs.readFileSync(`${dir}.lock`, "utf8").trim()).toBe(String(process.pid));
    await expect(openDb({ pgliteDir: dir })).rejects.toThrow(
      `database directory ${dir} is in use by process ${process.pid} (stop the app first)`,
    );
    await first.close();
    expect(fs.existsSync(`${dir}.lock`)).toBe(false);
    const again = await openDb({ pgliteDir: dir });
    await again.close();
  });

  it("refuses when another live process holds the lock", async () => {
    const holder = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
    try {
      fs.writeFileSync(`${dir}.lock`, `${holder.pid}\n`);
      await expect(openDb({ pgliteDir: dir })).rejects.toThrow(
        `database directory ${dir} is in use by process ${holder.pid} (stop the app first)`,
      );
    } finally {
      holder.kill();
      await new Promise((resolve) => holder.once("exit", resolve));
    }
    // Its owner is gone now: the stale lock is taken over.
    const opened = await openDb({ pgliteDir: dir });
    expect(fs.readFileSync(`${dir}.lock`, "utf8").trim()).toBe(String(process.pid));
    await opened.close();
  });

  it("resumes a document whose process died mid-ingest as soon as the directory is reopened", async () => {
    const first = await openDb({ pgliteDir: dir });
    const raw = new TextEncoder().encode("hello");
    const { id } = await createDocumentWithJob({
      db: first.db,
      name: "a.txt",
      type: "text/plain",
      size: 5,
      sha256: "h",
      raw,
    });
    expect((await claimNextIngestJob({ db: first.db }))?.documentId).toBe(id);
    await first.close(); // the "crash": the job is left running

    const second = await openDb({ pgliteDir: dir });
    expect((await getDocumentById({ db: second.db, id }))!.status).toBe("queued");
    const job = await claimNextIngestJob({ db: second.db });
    expect(job?.documentId).toBe(id);
    expect(new TextDecoder().decode(job!.raw)).toBe("hello");
    await second.close();
  });
});
