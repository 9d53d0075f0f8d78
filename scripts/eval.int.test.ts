import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startMockOpenAIServer, type MockOpenAIServer } from "@/lib/generate/openai-server.mock";
import type { ModeSummary, RunReport } from "@/lib/eval/report";

// `npm run eval -- --mode single,corrective` end to end with an LLM configured: the real script in its own
// process, the starter models, a tiny BEIR dataset on disk, and the corrective loop's grader and rewriter
// calling a local server that speaks the OpenAI wire format and reports each call's `usage`.
//
// The mock grades every passage not relevant, so each corrective query rewrites once (to a query about
// basalt, which brings unseen passages into the top 5) and grades again: 2 grader calls (100 prompt + 7
// completion tokens each) and 1 rewriter call (40 + 5) per query.

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "..");

const ROSES = [
  "Prune roses in late winter, before new growth starts, cutting just above an outward facing bud.",
  "Climbing roses are pruned after they flower: tie in the long canes and shorten the side shoots.",
  "Roses need a sunny spot, rich soil and water at the roots rather than on the leaves.",
  "Feed roses in spring with a balanced fertiliser and mulch them to keep the soil moist.",
  "Deadheading roses through the summer keeps them flowering for longer.",
];
const BASALT = [
  "Basalt columns form when thick lava flows cool slowly and crack into hexagonal pillars.",
  "The Giant's Causeway is a famous field of basalt columns left by ancient volcanic eruptions.",
  "Cooling lava contracts, and the cracks meet at angles that give basalt columns their shape.",
];
const QUERIES = [
  { _id: "q1", text: "when should roses be pruned" },
  { _id: "q2", text: "how to prune climbing roses" },
];

let dir: string;
let llm: MockOpenAIServer;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "ranklens-eval-llm-"));
  const docs = [
    ...ROSES.map((text, i) => ({ _id: `rose-${i + 1}`, text })),
    ...BASALT.map((text, i) => ({ _id: `basalt-${i + 1}`, text })),
  ];
  await writeFile(path.join(dir, "corpus.jsonl"), docs.map((d) => JSON.stringify({ ...d, title: "" })).join("\n"));
  await writeFile(path.join(dir, "queries.jsonl"), QUERIES.map((q) => JSON.stringify(q)).join("\n"));
  await writeFile(path.join(dir, "qrels.tsv"), "query-id\tcorpus-id\tscore\nq1\trose-1\t1\nq2\trose-2\t1\n");

  llm = await startMockOpenAIServer();
  const isRewrite = (body: MockOpenAIServer["requests"][number]["body"]) =>
    String(body.messages?.find((m) => m.role === "system")?.content ?? "").startsWith("You rewrite");
  llm.reply = (body) => {
    if (isRewrite(body)) return JSON.stringify({ query: "basalt columns cooling lava" });
    const user = String(body.messages?.find((m) => m.role === "user")?.content ?? "");
    const n = [...user.matchAll(/<passage n="(\d+)">/g)].length;
    return JSON.stringify({
      grades: Array.from({ length: n }, (_, i) => ({ n: i + 1, relevant: false, reason: "off topic" })),
    });
  };
  llm.usage = (body) =>
    isRewrite(body) ? { prompt_tokens: 40, completion_tokens: 5 } : { prompt_tokens: 100, completion_tokens: 7 };
});

afterAll(async () => {
  await llm?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("npm run eval with an LLM configured", () => {
  it(
    "records each query's prompt and completion tokens and reports the mean per query per mode",
    { timeout: 600_000 },
    async () => {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        PGLITE_DIR: path.join(dir, "pglite"),
        MODELS_DIR: path.join(root, "models"),
        LLM_BASE_URL: llm.baseURL,
        LLM_MODEL: "mock-grader",
        CORRECTIVE_MAX_ROUNDS: "2",
        CORRECTIVE_MIN_RELEVANT: "2",
        LOG_LEVEL: "warn",
      };
      delete env.DATABASE_URL;
      const out = path.join(dir, "out");
      const { stdout } = await run(
        path.join(root, "node_modules/.bin/tsx"),
        ["scripts/eval.ts", "--dataset", dir, "--mode", "single,corrective", "--k", "5", "--out", out],
        { cwd: root, env, maxBuffer: 16 * 1024 * 1024 },
      );
      const [reportDir] = await readdir(out);
      const report = JSON.parse(await readFile(path.join(out, reportDir, "report.json"), "utf8")) as {
        modes: Record<"single" | "corrective", ModeSummary>;
        modeRuns: { corrective: RunReport[] };
      };

      // Every call went over the wire format (non-streaming chat completions) to the mock.
      expect(llm.requests.length).toBeGreaterThan(0);
      expect(llm.requests.every((r) => r.path === "/v1/chat/completions" && r.body.model === "mock-grader")).toBe(true);

      // Per query: two gradings and one rewrite.
      const perQuery = report.modeRuns.corrective[0].perQuery;
      expect(perQuery.map((q) => q.queryId)).toEqual(["q1", "q2"]);
      for (const q of perQuery) {
        expect(q.tokens).toEqual({ grader: { prompt: 200, completion: 14 }, rewriter: { prompt: 40, completion: 5 } });
      }
      const { corrective, single } = report.modes;
      expect(corrective).toMatchObject({ meanRounds: 2, rewroteShare: 1, tokensPerQuery: 259 });
      expect(corrective.tokens).toEqual({
        prompt: 240,
        completion: 19,
        grader: { prompt: 200, completion: 14 },
        rewriter: { prompt: 40, completion: 5 },
      });
      // The single pass calls no LLM: 0 tokens, not "unknown".
      expect(single).toMatchObject({ tokensPerQuery: 0, tokens: { prompt: 0, completion: 0 } });

      const modesMd = await readFile(path.join(out, reportDir, "modes.md"), "utf8");
      expect(modesMd).toMatch(/\| corrective \|[^\n]*\| 240\.0 \+ 19\.0 \|/);
      expect(modesMd).toMatch(/\| single \|[^\n]*\| 0\.0 \+ 0\.0 \|/);
      expect(modesMd).toContain("grader 200.0 prompt + 14.0 completion, rewriter 40.0 + 5.0");
      expect(modesMd).toContain("LLM grader and rewriter");
      expect(stdout).toContain("LLM tokens per corrective query");
    },
  );
});
