import { describe, expect, it } from "vitest";
import { parseEnv } from "./env";

// The remote backends' variables (issue 7, remote backends).

describe("parseEnv: remote rerank and embedding backends", () => {
  it("defaults to our worker and the starter embedder", () => {
    const e = parseEnv({});
    expect(e.RERANKER_PROTOCOL).toBe("ranklens");
    expect(e.RERANKER_URL).toBe("http://127.0.0.1:3001");
    expect(e.EMBEDDER_URL).toBeUndefined();
    expect(e.EMBEDDER_QUERY_PREFIX).toBe("");
  });

  it("reads a remote reranker and embedder", () => {
    const e = parseEnv({
      RERANKER_PROTOCOL: "nim",
      RERANKER_URL: "https://ai.example.com",
      RERANKER_MODEL: "nvidia/nv-rerankqa-mistral-4b-v3",
      RERANKER_API_KEY: "nvapi-x",
      EMBEDDER_URL: "https://api.example.com/v1",
      EMBEDDER_MODEL: "text-embedding-3-small",
      EMBEDDER_DIMENSION: "100",
      EMBEDDER_QUERY_PREFIX: "query: ",
    });
    expect(e).toMatchObject({
      RERANKER_PROTOCOL: "nim",
      RERANKER_URL: "https://ai.example.com",
      RERANKER_MODEL: "nvidia/nv-rerankqa-mistral-4b-v3",
      EMBEDDER_DIMENSION: 100,
      EMBEDDER_QUERY_PREFIX: "query: ",
    });
  });

  it("refuses incomplete or unknown settings with a clear message", () => {
    expect(() => parseEnv({ RERANKER_PROTOCOL: "tei" })).toThrow(
      /RERANKER_URL: RERANKER_URL must be set when RERANKER_PROTOCOL is not ranklens/,
    );
    expect(() => parseEnv({ RERANKER_PROTOCOL: "cohere", RERANKER_URL: "https://api.cohere.com" })).toThrow(
      /RERANKER_MODEL must be set when RERANKER_PROTOCOL is nim or cohere/,
    );
    expect(() => parseEnv({ RERANKER_PROTOCOL: "jina" })).toThrow(/RERANKER_PROTOCOL/);
    expect(() => parseEnv({ EMBEDDER_URL: "https://api.example.com/v1" })).toThrow(
      /EMBEDDER_URL and EMBEDDER_MODEL must be set together/,
    );
    expect(() => parseEnv({ EMBEDDER_URL: "x", EMBEDDER_MODEL: "m" })).toThrow(/EMBEDDER_URL/);
  });
});
