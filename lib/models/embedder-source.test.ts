import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/env";
import { configuredEmbedderSource, embedderSourceSchema, hfModelDir } from "./embedder-source";

describe("configuredEmbedderSource", () => {
  it("chooses the starter by default, a Hugging Face folder with EMBEDDER_MODEL_DIR, a remote API with EMBEDDER_URL", () => {
    expect(configuredEmbedderSource(parseEnv({}))).toEqual({ kind: "starter" });
    expect(configuredEmbedderSource(parseEnv({ EMBEDDER_MODEL_DIR: "intfloat--e5-small" }))).toEqual({
      kind: "hf",
      dir: "intfloat--e5-small",
    });
    expect(
      configuredEmbedderSource(
        parseEnv({
          EMBEDDER_URL: "http://127.0.0.1:8080/v1",
          EMBEDDER_MODEL: "bge-m3",
          EMBEDDER_DIMENSION: "1024",
          EMBEDDER_API_KEY: "secret",
        }),
      ),
    ).toEqual({
      kind: "remote",
      url: "http://127.0.0.1:8080/v1",
      model: "bge-m3",
      dimension: 1024,
      queryPrefix: "",
      passagePrefix: "",
    });
  });

  it("records no secret in the source (the API key comes from the environment when loading)", () => {
    const source = configuredEmbedderSource(
      parseEnv({ EMBEDDER_URL: "http://127.0.0.1:8080/v1", EMBEDDER_MODEL: "m", EMBEDDER_API_KEY: "secret" }),
    );
    expect(JSON.stringify(source)).not.toContain("secret");
    expect(embedderSourceSchema.parse(JSON.parse(JSON.stringify(source)))).toEqual(source);
  });

  it("refuses EMBEDDER_URL and EMBEDDER_MODEL_DIR together", () => {
    expect(() =>
      parseEnv({ EMBEDDER_URL: "http://127.0.0.1:8080/v1", EMBEDDER_MODEL: "m", EMBEDDER_MODEL_DIR: "x" }),
    ).toThrow(/EMBEDDER_URL.*EMBEDDER_MODEL_DIR.*not both/);
  });

  it("resolves a folder name under MODELS_DIR and keeps an absolute path", () => {
    expect(hfModelDir({ dir: "owner--name" }, "/srv/models")).toBe(path.join("/srv/models", "owner--name"));
    expect(hfModelDir({ dir: "/opt/e5" }, "/srv/models")).toBe("/opt/e5");
  });
});
