import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadInstalledModel } from "@/lib/models/registry";
import { readManifest, verifyManifestFiles } from "./manifest";
import { modelFolderName, progressLine, pullModel, type PullProgress } from "./pull";
import { buildBertOnnx, writeBertFixture } from "./testing/bert-fixture";
import { startFakeHub, type FakeHub } from "./testing/fake-hub.mock";

const REPO = "acme/bert-mini";
let root: string;
let hub: FakeHub;
let files: Record<string, Uint8Array>;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "ranklens-pull-"));
  const fixture = await writeBertFixture(path.join(root, "source"), { kind: "embedder", seed: 3 });
  files = {};
  for (const f of fixture.files) files[f.path] = await readFile(path.join(fixture.dir, f.path));
  const enc = new TextEncoder();
  files["onnx/model_quantized.onnx"] = buildBertOnnx({ kind: "embedder", vocabSize: fixture.vocab.length, seed: 4 });
  files["README.md"] = enc.encode("---\nlicense: apache-2.0\nlanguage: en\n---\n# bert-mini\n");
  files["1_Pooling/config.json"] = enc.encode(
    JSON.stringify({ word_embedding_dimension: 32, pooling_mode_cls_token: true, pooling_mode_mean_tokens: false }),
  );
  files["sentence_bert_config.json"] = enc.encode(JSON.stringify({ max_seq_length: 64, do_lower_case: false }));
  files["onnx/model_O4.onnx"] = files["onnx/model.onnx"];
  files["pytorch_model.bin"] = enc.encode("not fetched");
  hub = await startFakeHub({ repos: { [REPO]: files }, pageSize: 4 });
});

afterAll(async () => {
  await hub?.close();
  await rm(root, { recursive: true, force: true });
});

const freshModelsDir = () => mkdtemp(path.join(root, "models-"));

describe("models:pull", () => {
  it("downloads an ONNX export and its tokenizer, checks them and writes a manifest the registry loads", async () => {
    const modelsDir = await freshModelsDir();
    const progress: PullProgress[] = [];
    const result = await pullModel({
      id: REPO,
      modelsDir,
      endpoint: hub.endpoint,
      onProgress: (p) => progress.push(p),
    });
    expect(result.dir).toBe(path.join(modelsDir, "acme--bert-mini"));
    expect(result.files.map((f) => f.path).sort()).toEqual([
      "1_Pooling/config.json",
      "README.md",
      "config.json",
      "onnx/model.onnx",
      "sentence_bert_config.json",
      "special_tokens_map.json",
      "tokenizer.json",
      "tokenizer_config.json",
    ]);
    expect(await stat(path.join(result.dir, "pytorch_model.bin")).catch(() => null)).toBeNull();
    expect(result.manifest).toMatchObject({
      id: REPO,
      revision: "0123456789abcdef0123456789abcdef01234567",
      kind: "embedder",
      dimension: 32,
      maxLength: 64,
      pooling: "cls",
      licence: "apache-2.0",
      model: "onnx/model.onnx",
    });
    const manifest = (await readManifest(result.dir))!;
    await expect(verifyManifestFiles(result.dir, manifest)).resolves.toBeUndefined();
    expect(progress.at(-1)).toMatchObject({ received: progress.at(-1)!.total });
    // LFS files come through the hub's redirect, like the real one.
    expect(hub.requests.some((r) => r.path === `/${REPO}/resolve/main/onnx/model.onnx` && r.status === 302)).toBe(true);

    const loaded = await loadInstalledModel(modelsDir, "acme--bert-mini");
    expect(loaded.kind).toBe("embedder");
    if (loaded.kind === "embedder")
      expect((await loaded.model.embed(["hello"], { kind: "query" }))[0]).toHaveLength(32);

    // Pulling again finds every file in place and downloads nothing.
    const before = hub.requests.length;
    const again = await pullModel({ id: REPO, modelsDir, endpoint: hub.endpoint });
    expect(again.files.every((f) => f.skipped)).toBe(true);
    expect(hub.requests.slice(before).filter((r) => r.path.includes("/resolve/"))).toEqual([]);
  });

  it("resumes an interrupted download with a Range request", async () => {
    const modelsDir = await freshModelsDir();
    hub.cutAfter("onnx/model.onnx", 5000);
    await expect(pullModel({ id: REPO, modelsDir, endpoint: hub.endpoint })).rejects.toThrow();
    const part = path.join(modelsDir, "acme--bert-mini", "onnx", "model.onnx.part");
    expect((await stat(part)).size).toBe(5000);

    const result = await pullModel({ id: REPO, modelsDir, endpoint: hub.endpoint });
    expect(result.files.find((f) => f.path === "onnx/model.onnx")).toMatchObject({ resumedFrom: 5000, skipped: false });
    expect(
      hub.requests.some(
        (r) => r.path === `/cdn/${REPO}/onnx/model.onnx` && r.range === "bytes=5000-" && r.status === 206,
      ),
    ).toBe(true);
    expect(
      Buffer.from(await readFile(path.join(result.dir, "onnx/model.onnx"))).equals(
        Buffer.from(files["onnx/model.onnx"]),
      ),
    ).toBe(true);
    expect(await stat(part).catch(() => null)).toBeNull();
  });

  it("refuses a file whose checksum differs and keeps nothing of it", async () => {
    const modelsDir = await freshModelsDir();
    const corruptHub = await startFakeHub({ repos: { [REPO]: files } });
    try {
      corruptHub.corrupt("tokenizer.json");
      await expect(pullModel({ id: REPO, modelsDir, endpoint: corruptHub.endpoint })).rejects.toThrow(
        /tokenizer.json: checksum mismatch/,
      );
      const dir = path.join(modelsDir, "acme--bert-mini");
      expect((await readdir(dir)).filter((f) => f.startsWith("tokenizer.json"))).toEqual([]);
      expect(await stat(path.join(dir, "manifest.json")).catch(() => null)).toBeNull();
    } finally {
      await corruptHub.close();
    }
  });

  it("--variant quantized takes onnx/model_quantized.onnx into its own folder; a missing variant names what exists", async () => {
    const modelsDir = await freshModelsDir();
    const result = await pullModel({ id: REPO, modelsDir, endpoint: hub.endpoint, variant: "quantized" });
    expect(path.basename(result.dir)).toBe("acme--bert-mini-quantized");
    expect(result.manifest.model).toBe("onnx/model_quantized.onnx");
    expect(await stat(path.join(result.dir, "onnx/model.onnx")).catch(() => null)).toBeNull();
    await expect(pullModel({ id: REPO, modelsDir, endpoint: hub.endpoint, variant: "fp16" })).rejects.toThrow(
      /no fp16 variant \(model_fp16\.onnx\).*onnx\/model_quantized\.onnx/,
    );
  });

  it("says clearly when the repository does not exist or the id is malformed", async () => {
    const modelsDir = await freshModelsDir();
    await expect(pullModel({ id: "acme/missing", modelsDir, endpoint: hub.endpoint })).rejects.toThrow(
      /acme\/missing .* is not on .*HTTP 404/,
    );
    expect(() => modelFolderName("../etc")).toThrow(/not a Hugging Face model id/);
  });

  it("draws a progress line", () => {
    expect(progressLine({ file: "onnx/model.onnx", received: 12_300_000, total: 27_000_000, resumedFrom: 0 }, 10)).toBe(
      "onnx/model.onnx  [#####-----]   45%  12.3/27.0 MB",
    );
    expect(progressLine({ file: "a", received: 10, total: 10, resumedFrom: 4e6 }, 4)).toContain("[####]  100%");
  });
});
