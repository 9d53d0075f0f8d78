import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ort } from "@/lib/models/onnx/session";
import { batchByTokenBudget, padBatch } from "./batching";
import { loadHfCrossEncoder, sigmoid, type HfCrossEncoder } from "./cross-encoder";
import { loadHfEmbedder, type HfEmbedder } from "./embedder";
import { parseManifest, readManifest, verifyManifestFiles } from "./manifest";
import { writeBertFixture, type BertFixture } from "./testing/bert-fixture";
import { longestFirst } from "./tokenizer";

let root: string;
const fixtures: Record<string, BertFixture> = {};
let mean: HfEmbedder;
let cls: HfEmbedder;
let ceTypes: HfCrossEncoder;
let ceNoTypes: HfCrossEncoder;

const MAX_LENGTH = 24;
const TEXTS = [
  "hello world",
  "Dense retrieval with a neural bi-encoder model maps each passage to a vector",
  "cancer",
  "The protein study found a risk effect in patients; treatment played a small role.",
  "rank the running runners by their ranking scores",
];
const LONG = Array.from({ length: 80 }, (_, i) => ["protein", "cell", "gene", "water", "energy"][i % 5]).join(" ");

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "ranklens-hf-"));
  // A small token budget so the five texts need several model calls.
  const common = { maxLength: MAX_LENGTH, tokenBudget: 48, licence: "apache-2.0" };
  fixtures.mean = await writeBertFixture(path.join(root, "e5-like"), {
    kind: "embedder",
    seed: 11,
    manifest: {
      ...common,
      id: "test/e5-like",
      dimension: 32,
      pooling: "mean",
      queryPrefix: "query: ",
      passagePrefix: "passage: ",
    },
  });
  fixtures.cls = await writeBertFixture(path.join(root, "bge-like"), {
    kind: "embedder",
    seed: 11,
    layout: "root",
    manifest: { ...common, id: "test/bge-like", dimension: 32, pooling: "cls" },
  });
  fixtures.ceTypes = await writeBertFixture(path.join(root, "ce-bert"), {
    kind: "cross-encoder",
    seed: 5,
    manifest: { ...common },
  });
  fixtures.ceNoTypes = await writeBertFixture(path.join(root, "ce-distil"), {
    kind: "cross-encoder",
    seed: 5,
    tokenTypeIds: false,
    manifest: { ...common },
  });
  const manifest = async (name: string) => (await readManifest(path.join(root, name)))!;
  mean = await loadHfEmbedder(path.join(root, "e5-like"), await manifest("e5-like"), { verify: true });
  cls = await loadHfEmbedder(path.join(root, "bge-like"), await manifest("bge-like"));
  ceTypes = await loadHfCrossEncoder(path.join(root, "ce-bert"), await manifest("ce-bert"));
  ceNoTypes = await loadHfCrossEncoder(path.join(root, "ce-distil"));
});

afterAll(async () => {
  await Promise.all([mean, cls, ceTypes, ceNoTypes].map((m) => m?.release()));
  await rm(root, { recursive: true, force: true });
});

/** last_hidden_state of one unpadded sequence, straight from onnxruntime. */
async function hiddenStates(modelFile: string, ids: number[], typeIds: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(modelFile);
  const t = (v: number[]) => new ort.Tensor("int64", BigInt64Array.from(v.map(BigInt)), [1, v.length]);
  const out = await session.run({ input_ids: t(ids), attention_mask: t(ids.map(() => 1)), token_type_ids: t(typeIds) });
  await session.release();
  return out.last_hidden_state.data as Float32Array;
}

const unit = (v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};

const expectClose = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(tol);
};

describe("Hugging Face bi-encoder loader", () => {
  it("embeds to unit vectors of the manifest's dimension", async () => {
    const vectors = await mean.embed(TEXTS, { kind: "passage" });
    expect(mean.dimension).toBe(32);
    expect(mean.info.id).toBe("test/e5-like");
    expect(mean.executionProvider).toBe("cpu");
    expect(vectors).toHaveLength(TEXTS.length);
    for (const v of vectors) {
      expect(v).toHaveLength(32);
      expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    }
  });

  it("mean pooling equals a recomputation over the attention mask of last_hidden_state", async () => {
    const text = TEXTS[1];
    const { ids, typeIds } = mean.encode(text, "passage");
    const hidden = await hiddenStates(fixtures.mean.modelFile, ids, typeIds);
    const expected = Array.from({ length: 32 }, (_, k) => {
      let s = 0;
      for (let j = 0; j < ids.length; j++) s += hidden[j * 32 + k];
      return s / ids.length;
    });
    // In a batch with longer texts, this one is padded: the mask must keep padding out of the mean.
    const [, got] = await mean.embed([TEXTS[0], text, LONG], { kind: "passage" });
    expectClose(got, unit(expected));
  });

  it("CLS pooling takes the first token's hidden state", async () => {
    const { ids, typeIds } = cls.encode(TEXTS[3], "passage");
    const hidden = await hiddenStates(fixtures.cls.modelFile, ids, typeIds);
    const [got] = await cls.embed([TEXTS[3]], { kind: "passage" });
    expectClose(got, unit(Array.from(hidden.subarray(0, 32))));
    // Same weights (seed) as the mean-pooled fixture: the two poolings give different vectors.
    const [meanVector] = await mean.embed([TEXTS[3]], { kind: "passage" });
    expect(Math.abs(got[0] - meanVector[0]) + Math.abs(got[1] - meanVector[1])).toBeGreaterThan(1e-3);
  });

  it("batched results equal one-by-one results", async () => {
    const texts = [...TEXTS, LONG, ...TEXTS.map((t) => t.toUpperCase())];
    for (const model of [mean, cls]) {
      const batched = await model.embed(texts, { kind: "query" });
      for (let i = 0; i < texts.length; i++) {
        const [single] = await model.embed([texts[i]], { kind: "query" });
        expectClose(batched[i], single);
      }
    }
  });

  it("applies the query and passage prefixes: the ids start with the prefix's tokens", () => {
    const prefix = (p: string) => mean.encode("", p === "query: " ? "query" : "passage").ids.slice(1, -1);
    const queryPrefix = prefix("query: ");
    expect(queryPrefix).toHaveLength(2); // "query", ":"
    const q = mean.encode("hello world", "query").ids;
    const p = mean.encode("hello world", "passage").ids;
    const bare = cls.encode("hello world", "query").ids; // no prefixes in that manifest
    expect(q.slice(0, 3)).toEqual([bare[0], ...queryPrefix]);
    expect(q.slice(3)).toEqual(bare.slice(1));
    expect(p.slice(1, 3)).toEqual(prefix("passage: "));
    expect(p.slice(1, 3)).not.toEqual(queryPrefix);
  });

  it("truncates to maxLength, keeping the special tokens, and counts what it cut", async () => {
    const before = { ...mean.truncation };
    const encoded = mean.encode(LONG, "passage");
    expect(encoded.ids).toHaveLength(MAX_LENGTH);
    expect(encoded.ids.at(-1)).toBe(mean.encode("", "passage").ids.at(-1)); // [SEP]
    // 80 words + "passage" ":" = 82 pieces; 22 fit beside [CLS] and [SEP].
    expect(encoded.truncated).toBe(82 - (MAX_LENGTH - 2));
    const { truncatedTokens } = await mean.embedDetailed([TEXTS[0], LONG, LONG], { kind: "passage" });
    expect(truncatedTokens).toEqual([0, encoded.truncated, encoded.truncated]);
    expect(mean.truncation.texts - before.texts).toBe(2);
    expect(mean.truncation.tokens - before.tokens).toBe(2 * encoded.truncated);
  });

  it("checks the manifest's sha256 when asked to", async () => {
    const dir = path.join(root, "tampered");
    await writeBertFixture(dir, { kind: "embedder", manifest: { dimension: 32 } });
    await writeFile(path.join(dir, "tokenizer_config.json"), "{}");
    await expect(loadHfEmbedder(dir, undefined, { verify: true })).rejects.toThrow(/tokenizer_config.json/);
    const manifest = (await readManifest(dir))!;
    await expect(
      verifyManifestFiles(dir, {
        ...manifest,
        files: manifest.files.filter((f) => f.path !== "tokenizer_config.json"),
      }),
    ).resolves.toBeUndefined();
  });
});

describe("Hugging Face cross-encoder loader", () => {
  it("supplies token_type_ids only when the graph takes them", async () => {
    expect(ceTypes.inputNames).toContain("token_type_ids");
    expect(ceNoTypes.inputNames).not.toContain("token_type_ids");
    const pair = ceTypes.encodePair("what is rank", "the ranking of the passage");
    expect(padBatch([pair], 0, ceTypes.inputNames).feeds).toHaveProperty("token_type_ids");
    expect(Object.keys(padBatch([pair], 0, ceNoTypes.inputNames).feeds).sort()).toEqual([
      "attention_mask",
      "input_ids",
    ]);
    // Both run (onnxruntime rejects a feed the graph does not declare).
    const a = await ceTypes.score("what is rank", ["the ranking of the passage"]);
    const b = await ceNoTypes.score("what is rank", ["the ranking of the passage"]);
    expect(a.scores).toHaveLength(1);
    expect(b.scores).toHaveLength(1);
  });

  it("encodes a sequence pair with the tokenizer's template: [CLS] q [SEP] p [SEP], types 0 then 1", () => {
    const { ids, typeIds } = ceTypes.encodePair("hello", "world");
    const [clsId, , sepId] = ceTypes.encodePair("hello", "").ids;
    expect(ids).toHaveLength(5);
    expect([ids[0], ids[2], ids[4]]).toEqual([clsId, sepId, sepId]);
    expect(typeIds).toEqual([0, 0, 0, 1, 1]);
  });

  it("scores are sigmoid(logit) of the model's output, batched equal to one-by-one", async () => {
    const query = "protein risk in patients";
    const passages = [...TEXTS, LONG, "gene"];
    const { scores, logits } = await ceTypes.score(query, passages);
    expect(scores).toHaveLength(passages.length);
    scores.forEach((s, i) => expect(s).toBeCloseTo(sigmoid(logits[i]), 12));
    expect(new Set(logits.map((l) => l.toFixed(6))).size).toBe(passages.length);
    for (let i = 0; i < passages.length; i++) {
      const single = await ceTypes.score(query, [passages[i]]);
      expect(Math.abs(single.logits[0] - logits[i])).toBeLessThan(1e-5);
    }
  });

  it("cuts the passage, not the query, to fit maxLength and counts it", async () => {
    const pair = ceTypes.encodePair("protein risk", LONG);
    expect(pair.ids).toHaveLength(MAX_LENGTH);
    expect(pair.truncated).toBe(80 - (MAX_LENGTH - 3 - 2));
    expect(pair.typeIds.filter((t) => t === 0)).toHaveLength(4); // [CLS] protein risk [SEP]
    const { truncatedTokens } = await ceTypes.score("protein risk", ["gene", LONG]);
    expect(truncatedTokens).toEqual([0, pair.truncated]);
  });

  it("reranks as a Reranker: sorted by score, topN, raw logits and truncation per candidate", async () => {
    const candidates = TEXTS.map((text, i) => ({ id: `c${i}`, text }));
    const response = await ceNoTypes.rerank({ query: "neural retrieval", candidates, topN: 3 });
    expect(response.results).toHaveLength(3);
    const { scores } = await ceNoTypes.score("neural retrieval", TEXTS);
    const best = scores
      .map((s, i) => [s, i] as const)
      .sort((a, b) => b[0] - a[0])
      .slice(0, 3);
    expect(response.results.map((r) => r.index)).toEqual(best.map(([, i]) => i));
    expect(response.results[0]).toMatchObject({ id: `c${best[0][1]}`, truncatedTokens: 0 });
    expect(response.results[0].score).toBeCloseTo(sigmoid(response.results[0].rawScore), 12);
  });
});

describe("batching and truncation helpers", () => {
  it("batches by padded-token budget, longest first, each index once", () => {
    const lengths = [5, 30, 10, 10, 70, 3];
    const batches = batchByTokenBudget(lengths, 40);
    expect(batches.flat().sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(batches[0]).toEqual([4]); // 70 > budget: alone
    for (const b of batches.slice(1)) expect(b.length * Math.max(...b.map((i) => lengths[i]))).toBeLessThanOrEqual(40);
  });

  it("longest-first pair truncation", () => {
    expect(longestFirst(3, 10, 20)).toEqual([3, 10]);
    expect(longestFirst(3, 100, 20)).toEqual([3, 17]);
    expect(longestFirst(100, 4, 20)).toEqual([16, 4]);
    expect(longestFirst(50, 60, 20)).toEqual([10, 10]);
  });
});

describe("manifest", () => {
  it("fills the defaults and rejects an embedder without a dimension or a path leaving the folder", () => {
    expect(parseManifest({ kind: "cross-encoder" })).toMatchObject({
      maxLength: 512,
      pooling: "mean",
      normalize: true,
      queryPrefix: "",
      model: "onnx/model.onnx",
    });
    expect(() => parseManifest({ kind: "embedder" })).toThrow(/dimension/);
    expect(() => parseManifest({ kind: "cross-encoder", model: "../x.onnx" })).toThrow(/model/);
    expect(() => parseManifest({ kind: "reranker" })).toThrow(/kind/);
  });
});

describe("tokenizer templates come from tokenizer.json", () => {
  it("XLM-R / RoBERTa pair layout <s> a </s></s> b </s>, with truncation counting the extra separator", async () => {
    const { tokenizerJson, wordPieceVocabulary } = await import("./testing/wordpiece-vocab");
    const { createHfTokenizer } = await import("./tokenizer");
    const vocab = ["<s>", "<pad>", "</s>", "<unk>", ...wordPieceVocabulary().slice(5)];
    const json = tokenizerJson(vocab) as Record<string, unknown>;
    json.added_tokens = ["<s>", "<pad>", "</s>", "<unk>"].map((t, id) => ({
      id,
      content: t,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    }));
    json.post_processor = {
      type: "RobertaProcessing",
      sep: ["</s>", 2],
      cls: ["<s>", 0],
      trim_offsets: true,
      add_prefix_space: false,
    };
    (json.model as Record<string, unknown>).unk_token = "<unk>";
    const tokenizer = createHfTokenizer(json, { pad_token: "<pad>" });
    expect(tokenizer.padId).toBe(1);
    const pair = tokenizer.encodePair("hello", "world", 512);
    expect(pair.ids).toEqual([0, vocab.indexOf("hello"), 2, 2, vocab.indexOf("world"), 2]);
    const cut = tokenizer.encodePair("hello", LONG, 10);
    expect(cut.ids).toHaveLength(10);
    expect(cut.truncated).toBe(80 - (10 - 4 - 1));
    expect(tokenizer.encode("hello", 512).ids).toEqual([0, vocab.indexOf("hello"), 2]);
  });
});
