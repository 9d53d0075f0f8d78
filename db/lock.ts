import fs from "node:fs";
import path from "node:path";

// PGlite allows one process per data directory. The lock file `<dir>.lock` holds the owner's pid; a lock
// whose pid is no longer running was left by a crash and is taken over.

export class DatabaseLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`database directory ${dir} is in use by process ${pid} (stop the app first)`);
    this.name = "DatabaseLockedError";
  }
}

export type DirLock = { path: string; release(): void };

// Locks this process already holds, so a second opener inside the same process is refused too.
const held = new Set<string>();

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readPid(lockPath: string): number | null {
  try {
    return Number.parseInt(fs.readFileSync(lockPath, "utf8").trim(), 10);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

export function acquireDirLock(dir: string): DirLock {
  const abs = path.resolve(dir);
  const lockPath = `${abs}.lock`;
  if (held.has(lockPath)) throw new DatabaseLockedError(abs, process.pid);
  fs.mkdirSync(path.dirname(lockPath), { recursive: true });

  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = fs.openSync(lockPath, "wx");
      fs.writeSync(fd, `${process.pid}\n`);
      fs.closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const pid = readPid(lockPath);
      if (pid === null) continue; // released between our open and read
      if (pidAlive(pid) && pid !== process.pid) throw new DatabaseLockedError(abs, pid);
      // Stale: its owner is dead (or it is ours from a previous, unreleased open in this same pid,
      // which `held` rules out). Remove it and try again.
      try {
        fs.unlinkSync(lockPath);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      }
      if (attempt === 4) throw new Error(`could not take the lock ${lockPath}`);
    }
  }
  held.add(lockPath);

  const onExit = () => release();
  process.once("exit", onExit);
  function release() {
    if (!held.delete(lockPath)) return;
    process.removeListener("exit", onExit);
    try {
      if (readPid(lockPath) === process.pid) fs.unlinkSync(lockPath);
    } catch {
      // Already gone; nothing to release.
    }
  }
  return { path: lockPath, release };
}
