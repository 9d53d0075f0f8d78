import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { writeBertFixture } from "./hf/testing/bert-fixture";
import { EMBEDDER_ID, RERANKER_ID } from "./starter/spec";
import { modelListRows } from "./models-list";
import {
  activeModels,
  listInstalledModels,
  loadInstalledModel,
  MODEL_REGISTRY,
  recommendedModels,
  rerankerModelDir,
  resolveActiveModels,
} from "./registry";

describe("model registry", () => {
  it("lists the starter models under their served ids", () => {
    const starters = MODEL_REGISTRY.filter((m) => m.tier === "starter").map((m) => m.id);
    expect(starters).toEqual([EMBEDDER_ID, RERANKER_ID]);
  });
  it("recommends multilingual standard models for Japanese, an embedder and a reranker", () => {
    const ja = recommendedModels("ja");
    expect(ja.map((m) => m.id)).toEqual(
      expect.arrayContaining(["intfloat/multilingual-e5-small", "BAAI/bge-m3", "BAAI/bge-reranker-v2-m3"]),
    );
    expect(ja.every((m) => m.languages.includes("ja") && m.tier === "standard")).toBe(true);
    expect(ja[0].kind).toBe("embedder");
    expect(ja.at(-1)!.kind).toBe("reranker");
  });
});

describe("installed models", () => {
  it("lists starter and Hugging Face folders and loads an HF export (onnx/model.onnx, tokenizer.json, config.json, no manifest)", async () => {
    const modelsDir = await mkdtemp(path.join(tmpdir(), "ranklens-models-"));
    try {
      await mkdir(path.join(modelsDir, "sif-glove-100d"));
      await writeFile(
        path.join(modelsDir, "sif-glove-100d", "model.json"),
        JSON.stringify({ id: EMBEDDER_ID, kind: "embedder", dimension: 100, version: "abc" }),
      );
      // As downloaded from the hub: no manifest.json, so kind and dimension come from config.json.
      await writeBertFixture(path.join(modelsDir, "bert-embedder"), { kind: "embedder", hidden: 16 });
      await writeBertFixture(path.join(modelsDir, "bert-reranker"), { kind: "cross-encoder", layout: "root" });
      await mkdir(path.join(modelsDir, "broken"));
      await writeFile(path.join(modelsDir, "broken", "manifest.json"), JSON.stringify({ kind: "embedder" }));
      await mkdir(path.join(modelsDir, "not-a-model"));

      const listed = await listInstalledModels(modelsDir);
      expect(listed.map((m) => m.name)).toEqual(["bert-embedder", "bert-reranker", "broken", "sif-glove-100d"]);
      expect(listed[0]).toMatchObject({
        kind: "embedder",
        format: "hf",
        dimension: 16,
        id: "ranklens-test/bert-embedder",
      });
      expect(listed[0]).toHaveProperty("manifest.model", "onnx/model.onnx");
      expect(listed[1]).toMatchObject({ kind: "reranker", format: "hf" });
      expect(listed[1]).toHaveProperty("manifest.model", "model.onnx");
      expect(listed[2]).toHaveProperty("error", expect.stringMatching(/dimension/));
      expect(listed[3]).toMatchObject({ kind: "embedder", format: "starter", id: EMBEDDER_ID, dimension: 100 });

      const embedder = await loadInstalledModel(modelsDir, "bert-embedder");
      expect(embedder.kind).toBe("embedder");
      if (embedder.kind === "embedder") {
        const [v] = await embedder.model.embed(["hello world"], { kind: "query" });
        expect(v).toHaveLength(16);
      }
      const reranker = await loadInstalledModel(modelsDir, "bert-reranker");
      expect(reranker.kind).toBe("reranker");
      if (reranker.kind === "reranker") {
        const { results } = await reranker.model.rerank({ query: "q", candidates: [{ id: "a", text: "hello" }] });
        expect(results[0].score).toBeGreaterThan(0);
        expect(results[0].score).toBeLessThan(1);
      }
      await expect(loadInstalledModel(modelsDir, "not-a-model")).rejects.toThrow(/no model folder/);
    } finally {
      await rm(modelsDir, { recursive: true, force: true });
    }
  });

  it("names the active models: the starters unless a remote backend is configured", () => {
    expect(activeModels({ RERANKER_PROTOCOL: "ranklens" })).toEqual({ embedder: EMBEDDER_ID, reranker: RERANKER_ID });
    expect(
      activeModels({
        RERANKER_PROTOCOL: "tei",
        EMBEDDER_URL: "http://x",
        EMBEDDER_MODEL: "bge",
        RERANKER_MODEL: "bge-reranker",
      }),
    ).toEqual({ embedder: "remote:bge", reranker: "tei:bge-reranker" });
  });

  it("the worker's reranker is the RERANKER_MODEL_DIR folder (a name under MODELS_DIR or absolute), else the starter's; models:list marks it", async () => {
    const modelsDir = await mkdtemp(path.join(tmpdir(), "ranklens-models-"));
    try {
      await mkdir(path.join(modelsDir, "knrm-glove-100d"));
      await writeFile(
        path.join(modelsDir, "knrm-glove-100d", "model.json"),
        JSON.stringify({ id: RERANKER_ID, kind: "reranker", version: "abc" }),
      );
      await writeBertFixture(path.join(modelsDir, "ce"), { kind: "cross-encoder", manifest: { id: "test/ce" } });
      await writeBertFixture(path.join(modelsDir, "emb"), { kind: "embedder", hidden: 16 });
      const settings = { RERANKER_PROTOCOL: "ranklens", MODELS_DIR: modelsDir };

      expect(rerankerModelDir(settings)).toBe(path.join(modelsDir, "knrm-glove-100d"));
      expect(rerankerModelDir({ ...settings, RERANKER_MODEL_DIR: "ce" })).toBe(path.join(modelsDir, "ce"));
      expect(rerankerModelDir({ ...settings, RERANKER_MODEL_DIR: "/srv/models/x" })).toBe("/srv/models/x");

      const listed = await listInstalledModels(modelsDir);
      const marked = async (extra: object) => {
        const active = await resolveActiveModels({ ...settings, ...extra });
        return {
          active,
          rows: modelListRows(listed, active)
            .filter((r) => r.active)
            .map((r) => r.name),
        };
      };
      expect(await marked({})).toEqual({
        active: { embedder: EMBEDDER_ID, reranker: RERANKER_ID, rerankerDir: path.join(modelsDir, "knrm-glove-100d") },
        rows: ["knrm-glove-100d"],
      });
      const hf = await marked({ RERANKER_MODEL_DIR: "ce" });
      expect(hf.active).toMatchObject({ reranker: "test/ce", rerankerDir: path.join(modelsDir, "ce") });
      expect(hf.rows).toEqual(["ce"]);
      // Absolute, with a trailing slash: still that folder.
      expect((await marked({ RERANKER_MODEL_DIR: `${path.join(modelsDir, "ce")}/` })).rows).toEqual(["ce"]);
      expect((await marked({ RERANKER_MODEL_DIR: "emb" })).active.reranker).toMatch(
        /emb \(an embedder, not a reranker\)$/,
      );
      expect((await marked({ RERANKER_MODEL_DIR: "gone" })).active.reranker).toMatch(/gone \(not a model folder\)$/);
      // A remote reranker: no local folder serves.
      const remote = await marked({ RERANKER_PROTOCOL: "tei", RERANKER_MODEL: "bge", RERANKER_MODEL_DIR: "ce" });
      expect(remote).toEqual({ active: { embedder: EMBEDDER_ID, reranker: "tei:bge" }, rows: [] });
      // The app's embedder: the EMBEDDER_MODEL_DIR folder, unless a remote embedder is configured.
      const emb = await marked({ EMBEDDER_MODEL_DIR: "emb" });
      expect(emb.active).toMatchObject({ embedder: expect.any(String), embedderDir: path.join(modelsDir, "emb") });
      expect(emb.active.embedder).not.toBe(EMBEDDER_ID);
      expect(emb.rows).toEqual(["emb", "knrm-glove-100d"]);
      expect((await marked({ EMBEDDER_MODEL_DIR: "ce" })).active.embedder).toMatch(
        /ce \(a reranker, not an embedder\)$/,
      );
      const remoteEmb = await marked({ EMBEDDER_MODEL_DIR: "emb", EMBEDDER_URL: "http://x", EMBEDDER_MODEL: "e5" });
      expect(remoteEmb.active.embedder).toBe("remote:e5");
      expect(remoteEmb.rows).toEqual(["knrm-glove-100d"]);
    } finally {
      await rm(modelsDir, { recursive: true, force: true });
    }
  });
});
