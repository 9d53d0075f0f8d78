import { describe, expect, it } from "vitest";
import { parseManifest } from "./hf/manifest";
import { formatModelList, modelListRows } from "./models-list";

describe("models:list", () => {
  it("shows each folder's kind and dimension, marks the active ones and unreadable folders", () => {
    const active = { embedder: "ranklens/sif-glove-100d", reranker: "tei:bge-reranker" };
    const rows = modelListRows(
      [
        {
          name: "sif-glove-100d",
          dir: "/m/sif",
          id: "ranklens/sif-glove-100d",
          kind: "embedder",
          format: "starter",
          dimension: 100,
        },
        {
          name: "e5",
          dir: "/m/e5",
          id: "intfloat/multilingual-e5-small",
          kind: "embedder",
          format: "hf",
          dimension: 384,
          manifest: parseManifest({
            kind: "embedder",
            dimension: 384,
            licence: "mit",
            files: [{ path: "a", sha256: "0".repeat(64) }],
          }),
        },
        { name: "bad", dir: "/m/bad", error: "invalid manifest.json" },
      ],
      active,
    );
    expect(rows.map((r) => [r.name, r.kind, r.dimension, r.active])).toEqual([
      ["sif-glove-100d", "embedder", "100", true],
      ["e5", "embedder", "384", false],
      ["bad", "-", "-", false],
    ]);
    const text = formatModelList(rows, active, "/m");
    expect(text).toMatch(/^\*\s+sif-glove-100d\s+ranklens\/sif-glove-100d\s+embedder\s+starter\s+100/m);
    expect(text).toMatch(
      /e5\s+intfloat\/multilingual-e5-small\s+embedder\s+hf\s+384\s+512\s+pooling mean, licence mit/,
    );
    expect(text).toContain("unreadable: invalid manifest.json");
    expect(text).toContain("active reranker: tei:bge-reranker");
  });
});
