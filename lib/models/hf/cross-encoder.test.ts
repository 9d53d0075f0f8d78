import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadHfCrossEncoder, type HfCrossEncoder } from "./cross-encoder";
import { writeBertFixture } from "./testing/bert-fixture";

// The cross-encoder as the worker drives it: requests prepared (tokenised, counted) apart from the
// model call, then the pairs of several requests scored together.

const MAX_LENGTH = 24;
const LONG = Array.from({ length: 60 }, (_, i) => ["protein", "cell", "gene", "water"][i % 4]).join(" ");
let root = "";
let ce: HfCrossEncoder;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "ranklens-ce-"));
  // A small token budget: one rerankMany spans several model calls.
  await writeBertFixture(root, {
    kind: "cross-encoder",
    seed: 3,
    manifest: { id: "test/ce", maxLength: MAX_LENGTH, tokenBudget: 64 },
  });
  ce = await loadHfCrossEncoder(root);
});
afterAll(async () => {
  await ce?.release();
  await rm(root, { recursive: true, force: true });
});

const request = (query: string, texts: string[], topN?: number) => ({
  query,
  candidates: texts.map((text, i) => ({ id: `p${i}`, text })),
  ...(topN ? { topN } : {}),
});

describe("Hugging Face cross-encoder, batched for the worker", () => {
  it("prepare counts pairs, tokens after truncation and the tokens cut", () => {
    const prep = ce.prepare(request("protein risk", ["gene", LONG]));
    const short = ce.encodePair("protein risk", "gene");
    const long = ce.encodePair("protein risk", LONG);
    expect(long.truncated).toBeGreaterThan(0);
    expect(prep).toMatchObject({
      pairs: 2,
      tokens: short.ids.length + MAX_LENGTH,
      truncatedTokens: long.truncated,
    });
  });

  it("rerankMany over several requests equals each request scored alone", async () => {
    const a = request("protein risk in patients", ["gene", LONG, "the cell and water", "energy"]);
    const b = request("neural retrieval", ["rank the passage", "water cell"], 1);
    const [ra, rb] = await ce.rerankMany([ce.prepare(a), ce.prepare(b)]);
    const alone = await ce.score(
      a.query,
      a.candidates.map((c) => c.text),
    );
    expect(ra.model).toEqual({ id: "test/ce", version: expect.any(String) });
    expect(ra.results.map((r) => r.index)).toHaveLength(4);
    for (const r of ra.results) {
      expect(Math.abs(r.rawScore - alone.logits[r.index])).toBeLessThan(1e-5);
      expect(r.truncatedTokens).toBe(alone.truncatedTokens[r.index]);
      expect(r.id).toBe(`p${r.index}`);
    }
    expect(ra.results.map((r) => r.score)).toEqual([...ra.results.map((r) => r.score)].sort((x, y) => y - x));
    const bAlone = await ce.score(
      b.query,
      b.candidates.map((c) => c.text),
    );
    expect(rb.results).toHaveLength(1);
    expect(rb.results[0].index).toBe(bAlone.scores[0] >= bAlone.scores[1] ? 0 : 1);
  });

  it("warmUp runs the model without counting its own truncation", async () => {
    await ce.score("protein", [LONG]);
    const before = { ...ce.truncation };
    expect(before.tokens).toBeGreaterThan(0);
    await ce.warmUp();
    expect(ce.truncation).toEqual(before);
  });
});
