import { describe, expect, it } from "vitest";
import { reloadRerankerWorkers } from "./worker-reload";

describe("reloadRerankerWorkers", () => {
  it("posts /admin/reload with the worker token to every worker and never throws", async () => {
    const calls: { url: string; auth: string | null }[] = [];
    const fetchStub = (async (url: string, init: RequestInit) => {
      calls.push({ url, auth: new Headers(init.headers).get("authorization") });
      if (url.startsWith("http://b")) throw new Error("connect ECONNREFUSED");
      return Response.json({ model: { id: "m", version: "2" }, headVersion: "h" });
    }) as unknown as typeof fetch;
    const results = await reloadRerankerWorkers({ url: "http://a:1/, http://b:2", token: "t", fetch: fetchStub });
    expect(calls).toEqual([
      { url: "http://a:1/admin/reload", auth: "Bearer t" },
      { url: "http://b:2/admin/reload", auth: "Bearer t" },
    ]);
    expect(results).toEqual([
      { url: "http://a:1", ok: true, model: { id: "m", version: "2" }, headVersion: "h" },
      { url: "http://b:2", ok: false, error: "connect ECONNREFUSED" },
    ]);
  });

  it("sends nothing to a remote reranking API", async () => {
    const fetchStub = (async () => {
      throw new Error("must not be called");
    }) as unknown as typeof fetch;
    expect(
      await reloadRerankerWorkers({ url: "https://api.cohere.com", token: "t", protocol: "cohere", fetch: fetchStub }),
    ).toEqual([]);
  });
});
