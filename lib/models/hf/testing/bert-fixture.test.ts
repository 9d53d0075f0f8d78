import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ort } from "@/lib/models/onnx/session";
import { buildBertOnnx, writeBertFixture } from "./bert-fixture";
import { SPECIAL_TOKENS, wordPieceVocabulary } from "./wordpiece-vocab";

const dirs: string[] = [];
const tempDir = async () => {
  const d = await mkdtemp(path.join(tmpdir(), "ranklens-bert-"));
  dirs.push(d);
  return d;
};
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

const int64 = (rows: number[][]) =>
  new ort.Tensor("int64", BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0].length]);

describe("BERT test fixture", () => {
  it("has a WordPiece vocabulary of a few hundred tokens with the BERT specials first and ## pieces", () => {
    const vocab = wordPieceVocabulary();
    expect(vocab.slice(0, 5)).toEqual([...SPECIAL_TOKENS]);
    expect(vocab.length).toBeGreaterThan(200);
    expect(vocab.filter((t) => t.startsWith("##")).length).toBeGreaterThan(30);
    expect(new Set(vocab).size).toBe(vocab.length);
  });

  it("is laid out like a Hugging Face ONNX export", async () => {
    const dir = await tempDir();
    await writeBertFixture(dir, { kind: "embedder" });
    for (const f of ["onnx/model.onnx", "tokenizer.json", "tokenizer_config.json", "config.json"]) {
      expect((await stat(path.join(dir, f))).isFile()).toBe(true);
    }
    const tokenizer = JSON.parse(await readFile(path.join(dir, "tokenizer.json"), "utf8"));
    expect(tokenizer.model.type).toBe("WordPiece");
    expect(tokenizer.normalizer.type).toBe("BertNormalizer");
    expect(tokenizer.pre_tokenizer.type).toBe("BertPreTokenizer");
    expect(tokenizer.post_processor.type).toBe("TemplateProcessing");
    const config = JSON.parse(await readFile(path.join(dir, "config.json"), "utf8"));
    expect(config).toMatchObject({ model_type: "bert", hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 2 });
  });

  it("bi-encoder: onnxruntime-node runs it with dynamic batch and sequence axes → last_hidden_state [b, s, h]", async () => {
    const { modelFile } = await writeBertFixture(await tempDir(), { kind: "embedder" });
    const session = await ort.InferenceSession.create(modelFile);
    expect(session.inputNames).toEqual(["input_ids", "attention_mask", "token_type_ids"]);
    for (const [b, s] of [
      [1, 3],
      [3, 7],
    ]) {
      const ids = Array.from({ length: b }, (_, i) => Array.from({ length: s }, (_, j) => (i * 7 + j * 3) % 250));
      const ones = ids.map((r) => r.map(() => 1));
      const out = await session.run({
        input_ids: int64(ids),
        attention_mask: int64(ones),
        token_type_ids: int64(ones.map((r) => r.map(() => 0))),
      });
      expect(out.last_hidden_state.dims).toEqual([b, s, 32]);
      expect(Array.from(out.last_hidden_state.data as Float32Array).every(Number.isFinite)).toBe(true);
    }
  });

  it("cross-encoder without token_type_ids: logits [b, 1]", async () => {
    const { modelFile } = await writeBertFixture(await tempDir(), {
      kind: "cross-encoder",
      tokenTypeIds: false,
      layout: "root",
    });
    expect(modelFile.endsWith(`${path.sep}model.onnx`) && !modelFile.includes(`${path.sep}onnx${path.sep}`)).toBe(true);
    const session = await ort.InferenceSession.create(modelFile);
    expect(session.inputNames).toEqual(["input_ids", "attention_mask"]);
    const out = await session.run({
      input_ids: int64([
        [2, 9, 3],
        [2, 10, 3],
      ]),
      attention_mask: int64([
        [1, 1, 1],
        [1, 1, 0],
      ]),
    });
    expect(out.logits.dims).toEqual([2, 1]);
  });

  it("is deterministic for a seed and differs across seeds", () => {
    const a = buildBertOnnx({ kind: "embedder", vocabSize: 50, seed: 1 });
    expect(Buffer.from(buildBertOnnx({ kind: "embedder", vocabSize: 50, seed: 1 })).equals(Buffer.from(a))).toBe(true);
    expect(Buffer.from(buildBertOnnx({ kind: "embedder", vocabSize: 50, seed: 2 })).equals(Buffer.from(a))).toBe(false);
  });
});
