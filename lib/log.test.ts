import { describe, expect, it } from "vitest";
import { createLogger, type LogLevel } from "./log";
import { runWithRequest } from "./telemetry/context";

function capture(options: Parameters<typeof createLogger>[0] = {}) {
  const lines: { line: string; level: LogLevel }[] = [];
  const logger = createLogger({
    now: () => new Date("2026-11-25T12:00:00.000Z"),
    write: (line, level) => lines.push({ line, level }),
    ...options,
  });
  return { logger, lines, json: () => lines.map((l) => JSON.parse(l.line) as Record<string, unknown>) };
}

describe("createLogger", () => {
  it("writes one JSON object per line: time, level, msg, then the fields", () => {
    const { logger, lines, json } = capture();
    logger.info("request", { route: "/api/search", status: 200, ms: 12.5 });
    expect(lines).toHaveLength(1);
    expect(lines[0].line).not.toContain("\n");
    expect(Object.keys(json()[0])).toEqual(["time", "level", "msg", "route", "status", "ms"]);
    expect(json()[0]).toEqual({
      time: "2026-11-25T12:00:00.000Z",
      level: "info",
      msg: "request",
      route: "/api/search",
      status: 200,
      ms: 12.5,
    });
  });

  it("drops lines below LOG_LEVEL", () => {
    const { logger, json } = capture({ level: "warn" });
    logger.debug("a");
    logger.info("b");
    logger.warn("c");
    logger.error("d");
    expect(json().map((l) => l.msg)).toEqual(["c", "d"]);
  });

  it("adds the current request's id and user", () => {
    const { logger, json } = capture();
    runWithRequest({ requestId: "req-1", userId: "user-9" }, () => logger.info("inside"));
    logger.info("outside");
    expect(json()[0]).toMatchObject({ msg: "inside", requestId: "req-1", userId: "user-9" });
    expect(json()[1]).not.toHaveProperty("requestId");
  });

  it("keeps an explicit requestId field over the context's", () => {
    const { logger, json } = capture();
    runWithRequest({ requestId: "ctx" }, () => logger.info("x", { requestId: "explicit" }));
    expect(json()[0].requestId).toBe("explicit");
  });

  it("never writes fields named like secrets or texts", () => {
    const { logger, lines } = capture();
    logger.info("x", {
      query: "what is the secret formula",
      text: "passage body",
      password: "hunter2",
      authorization: "Bearer rlk_abc",
      cookie: "session=1",
      apiKey: "k-123",
      route: "/api/chat",
    });
    const line = lines[0].line;
    for (const secret of ["secret formula", "passage body", "hunter2", "rlk_abc", "session=1", "k-123"]) {
      expect(line).not.toContain(secret);
    }
    expect(JSON.parse(line)).toMatchObject({ query: "[redacted]", password: "[redacted]", route: "/api/chat" });
  });

  it("writes errors as name and message, with the stack on error lines only", () => {
    const { logger, json } = capture();
    logger.warn("w", { error: new TypeError("bad") });
    logger.error("e", { error: new Error("worse") });
    expect(json()[0].error).toEqual({ name: "TypeError", message: "bad" });
    expect(json()[1].error).toMatchObject({ name: "Error", message: "worse" });
    expect((json()[1].error as { stack: string }).stack).toContain("worse");
  });

  it("sends warn and error to the error stream by level", () => {
    const { logger, lines } = capture();
    logger.info("i");
    logger.error("e");
    expect(lines.map((l) => l.level)).toEqual(["info", "error"]);
  });

  it("child loggers add their fields to every line", () => {
    const { logger, json } = capture();
    logger.child({ component: "worker" }).info("ready", { port: 3001 });
    expect(json()[0]).toMatchObject({ msg: "ready", component: "worker", port: 3001 });
  });

  it("pretty format: one readable line", () => {
    const { logger, lines } = capture({ format: "pretty" });
    runWithRequest({ requestId: "r-2" }, () => logger.warn("slow", { ms: 900, route: "/rerank" }));
    expect(lines[0].line).toBe("2026-11-25T12:00:00.000Z WARN  slow requestId=r-2 ms=900 route=/rerank");
  });

  it("survives values JSON cannot write", () => {
    const { logger, json } = capture();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    logger.info("x", { cyclic, big: 10n });
    expect(json()[0]).toEqual({ time: "2026-11-25T12:00:00.000Z", level: "info", msg: "x" });
  });
});
