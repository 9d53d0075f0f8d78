import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startMockOpenAIServer, type MockOpenAIServer } from "@/lib/generate/openai-server.mock";

import { buildRetrievalQuery, CONDENSE_SYSTEM_PROMPT, followUpReason, rewriteDeterministic } from "./follow-up";

const BELL = "When was the Kiritomo tide bell cast?";

describe("followUpReason", () => {
  it("reads pronouns, continuations and short questions as follow-ups (English)", () => {
    expect(followUpReason("Who rang it?")).toMatch(/refers back \("it"\)/);
    expect(followUpReason("What about the glasswing moths?")).toMatch(/continues/);
    expect(followUpReason("And the weight?")).toMatch(/continues/);
    expect(followUpReason("Why?")).toMatch(/continues|short/);
    expect(followUpReason("Bronze or iron?")).toMatch(/short/);
  });

  it("reads self-contained questions as such (English)", () => {
    expect(followUpReason(BELL)).toBeNull();
    expect(followUpReason("How do cross-encoders score passages against their queries?")).toBeNull();
    expect(followUpReason("Which salt lanterns were made in Orrindale?")).toBeNull();
  });

  it("reads demonstratives, continuations and left-out predicates as follow-ups (Japanese)", () => {
    expect(followUpReason("それは誰が作ったの？")).toMatch(/それ/);
    expect(followUpReason("その鐘を鳴らしたのは誰ですか")).toMatch(/その/);
    expect(followUpReason("では価格はいくらですか")).toMatch(/continues/);
    expect(followUpReason("価格は？")).toMatch(/leaves out/);
  });

  it("reads a self-contained Japanese question as such", () => {
    expect(followUpReason("星砂茶はどこで栽培されていますか？")).toBeNull();
    expect(followUpReason("霧灯の鐘はいつ鋳造されましたか？")).toBeNull();
  });
});

describe("rewriteDeterministic", () => {
  it("leaves the first question alone", () => {
    expect(rewriteDeterministic(BELL, [])).toEqual({
      question: BELL,
      query: BELL,
      method: "first-turn",
      reason: "first question of the conversation",
      context: [],
    });
  });

  it("adds the previous question's content words to an English follow-up", () => {
    const r = rewriteDeterministic("Who rang it?", [{ question: BELL }]);
    expect(r.method).toBe("context-terms");
    expect(r.query).toBe("Who rang it? kiritomo tide bell cast");
    expect(r.addedTerms).toEqual(["kiritomo", "tide", "bell", "cast"]);
    expect(r.context).toEqual([{ question: BELL, retrievalQuery: BELL }]);
  });

  it("leaves a self-contained question alone even after other turns", () => {
    const q = "Which salt lanterns were made in Orrindale?";
    const r = rewriteDeterministic(q, [{ question: BELL }]);
    expect(r).toMatchObject({ query: q, method: "self-contained" });
    expect(r.addedTerms).toBeUndefined();
  });

  it("adds no word the question already has", () => {
    const r = rewriteDeterministic("Who cast the bell?", [{ question: BELL }]);
    expect(r.addedTerms).toEqual(["kiritomo", "tide"]);
  });

  it("carries the topic through a chain of follow-ups via the previous retrieval query", () => {
    const second = rewriteDeterministic("Who rang it?", [{ question: BELL }]);
    const third = rewriteDeterministic("Why?", [
      { question: BELL },
      { question: second.question, retrievalQuery: second.query },
    ]);
    expect(third.query).toContain("kiritomo");
    expect(third.query).toContain("rang");
  });

  it("rewrites Japanese follow-ups with the previous question's content words", () => {
    const r = rewriteDeterministic("それは誰が作ったの？", [{ question: "霧灯の鐘はいつ鋳造されましたか？" }]);
    expect(r.method).toBe("context-terms");
    expect(r.query.startsWith("それは誰が作ったの？ ")).toBe(true);
    expect(r.addedTerms).toEqual(expect.arrayContaining(["鐘", "鋳造"]));
    expect(r.addedTerms).not.toContain("は");

    const self = rewriteDeterministic("星砂茶はどこで栽培されていますか？", [{ question: "霧灯の鐘はいつ鋳造されましたか？" }]);
    expect(self.method).toBe("self-contained");
  });

  it("looks only at the last three turns", () => {
    const turns = ["alpha bravo charlie", "delta echo foxtrot", "golf hotel india", "juliet kilo lima"].map((question) => ({
      question,
    }));
    const r = rewriteDeterministic("And?", turns);
    expect(r.context.map((c) => c.question)).toEqual(turns.slice(1).map((t) => t.question));
    expect(r.addedTerms).toEqual(["juliet", "kilo", "lima"]);
  });
});

describe("buildRetrievalQuery with an LLM (local OpenAI wire-format server)", () => {
  let server: MockOpenAIServer;
  beforeAll(async () => {
    server = await startMockOpenAIServer();
  });
  afterAll(async () => {
    await server?.close();
  });
  const llm = () => ({ baseURL: server.baseURL, model: "mock-model" });
  const turns = [{ question: BELL, answer: "It was cast in 1741 [1]." }];

  it("uses the model's standalone question, sending the earlier turns", async () => {
    server.mode = "ok";
    server.requests.length = 0;
    server.reply = () => '```json\n{"query":"Who rang the Kiritomo tide bell?"}\n```';
    const r = await buildRetrievalQuery({ question: "Who rang it?", turns, llm: llm() });
    expect(r).toMatchObject({
      question: "Who rang it?",
      query: "Who rang the Kiritomo tide bell?",
      method: "llm",
      reason: "condensed by the LLM",
      context: [{ question: BELL, retrievalQuery: BELL }],
    });
    expect(r.fallbackReason).toBeUndefined();
    expect(server.requests).toHaveLength(1);
    const messages = server.requests[0].body.messages!;
    expect(messages[0]).toMatchObject({ role: "system", content: CONDENSE_SYSTEM_PROMPT });
    const prompt = String(messages[1].content);
    expect(prompt).toContain(`Question: ${BELL}`);
    expect(prompt).toContain("Answer: It was cast in 1741 [1].");
    expect(prompt).toContain("Last question: Who rang it?");
  });

  it("does not call the model for the first question", async () => {
    server.requests.length = 0;
    const r = await buildRetrievalQuery({ question: BELL, turns: [], llm: llm() });
    expect(r.method).toBe("first-turn");
    expect(server.requests).toHaveLength(0);
  });

  it("falls back to the deterministic rewrite when the reply is not valid, recording why", async () => {
    server.mode = "ok";
    server.reply = () => '{"standalone": "wrong key"}';
    const r = await buildRetrievalQuery({ question: "Who rang it?", turns, llm: llm() });
    expect(r).toMatchObject({ method: "context-terms", query: "Who rang it? kiritomo tide bell cast" });
    expect(r.fallbackReason).toMatch(/wrong shape/);

    server.reply = () => '{"query": ""}';
    expect((await buildRetrievalQuery({ question: "Who rang it?", turns, llm: llm() })).fallbackReason).toMatch(
      /wrong shape/,
    );
  });

  it("falls back when the endpoint fails", async () => {
    server.mode = "fail";
    const r = await buildRetrievalQuery({ question: "Who rang it?", turns, llm: llm() });
    expect(r.method).toBe("context-terms");
    expect(r.fallbackReason).toMatch(/LLM call failed/);
    server.mode = "ok";
  });
});
