import { readFileSync, existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

// The worker is its own process and must never open the database or pull in server-only modules:
// follow its import graph from worker/index.ts and check.

const root = path.resolve(import.meta.dirname, "..");
const IMPORT =
  /(?:import|export)\s[^"';]*?from\s*["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']\s*\)|import\s*["']([^"']+)["']/g;

function resolve(from: string, spec: string): string | null {
  let base: string;
  if (spec.startsWith("@/")) base = path.join(root, spec.slice(2));
  else if (spec.startsWith(".")) base = path.resolve(path.dirname(from), spec);
  else return null; // a package
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, path.join(base, "index.ts")]) {
    if (candidate.endsWith(".ts") && existsSync(candidate)) return candidate;
  }
  return null;
}

function importGraph(entry: string) {
  const files = new Set<string>();
  const packages = new Set<string>();
  const stack = [entry];
  while (stack.length) {
    const file = stack.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    for (const m of readFileSync(file, "utf8").matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3];
      const resolved = resolve(file, spec);
      if (resolved) stack.push(resolved);
      else if (!spec.startsWith(".") && !spec.startsWith("@/")) packages.add(spec);
    }
  }
  return { files: [...files].map((f) => path.relative(root, f)), packages: [...packages] };
}

describe("worker import graph", () => {
  it("never reaches db/ or server-only modules", () => {
    const { files, packages } = importGraph(path.join(root, "worker/index.ts"));
    expect(files).toContain("worker/server.ts");
    expect(files.filter((f) => f.startsWith("db/"))).toEqual([]);
    expect(files).not.toContain("lib/models/server.ts");
    expect(packages).not.toContain("server-only");
    expect(packages.filter((p) => /pglite|postgres|drizzle/.test(p))).toEqual([]);
  });
});
