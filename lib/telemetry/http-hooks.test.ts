import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "@/lib/log";
import { currentRequest } from "./context";
import { beginApiRequest, identifyRequestUser, installHttpRequestHooks, routeName } from "./http-hooks";

// The HTTP-level hooks on a real node:http server, with a handler that starts like guard() does.

const lines: Record<string, unknown>[] = [];
const log = createLogger({ level: "debug", write: (line) => lines.push(JSON.parse(line)) });
let server: Server;
let base: string;
let uninstall: () => void;

beforeAll(async () => {
  uninstall = installHttpRequestHooks({ log });
  server = createServer((req, res) => {
    const request = new Request(`http://localhost${req.url}`, {
      method: req.method,
      headers: Object.entries(req.headers).flatMap(([k, v]): [string, string][] =>
        typeof v === "string" ? [[k, v]] : [],
      ),
    });
    void (async () => {
      const context = beginApiRequest(request, "search");
      await new Promise((r) => setTimeout(r, 5));
      identifyRequestUser(context, "user-1");
      await Promise.resolve();
      res.statusCode = req.url?.includes("fail") ? 500 : 200;
      res.end(currentRequest()?.requestId ?? "none");
    })();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  uninstall();
  await new Promise((r) => server.close(r));
});

async function logged(requestId: string) {
  for (let i = 0; i < 100 && !lines.some((l) => l.requestId === requestId); i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  return lines.filter((l) => l.requestId === requestId);
}

describe("installHttpRequestHooks", () => {
  it("echoes a safe X-Request-Id, makes it current in the handler and logs the request once", async () => {
    const res = await fetch(`${base}/api/search?q=secret-words`, {
      method: "POST",
      headers: { "x-request-id": "client-42" },
    });
    expect(res.headers.get("x-request-id")).toBe("client-42");
    expect(await res.text()).toBe("client-42");
    const entries = await logged("client-42");
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      level: "info",
      msg: "request",
      requestId: "client-42",
      method: "POST",
      route: "/api/search",
      status: 200,
      userId: "user-1",
      surface: "search",
    });
    expect(typeof entries[0].ms).toBe("number");
    expect(JSON.stringify(entries[0])).not.toContain("secret-words");
  });

  it("replaces an unsafe id with a fresh one, in the response header and the handler alike", async () => {
    const res = await fetch(`${base}/api/search`, { headers: { "x-request-id": "two words" } });
    const id = res.headers.get("x-request-id");
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await res.text()).toBe(id);
    expect(await logged(id!)).toHaveLength(1);
  });

  it("gives a request without an id a fresh one", async () => {
    const res = await fetch(`${base}/api/runs/0f8fad5b-d9cb-469f-a165-70867728950e`);
    const id = res.headers.get("x-request-id")!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await logged(id))[0]).toMatchObject({ route: "/api/runs/0f8fad5b-d9cb-469f-a165-70867728950e" });
  });

  it("logs server errors at error level", async () => {
    await fetch(`${base}/api/fail`, { headers: { "x-request-id": "failing-1" } });
    expect((await logged("failing-1"))[0]).toMatchObject({ level: "error", msg: "request failed", status: 500 });
  });

  it("leaves pages alone", async () => {
    const res = await fetch(`${base}/chat`, { headers: { "x-request-id": "page-1" } });
    expect(res.headers.get("x-request-id")).toBeNull();
    await new Promise((r) => setTimeout(r, 50));
    expect(lines.some((l) => l.requestId === "page-1")).toBe(false);
  });

  it("never shares an id between requests in flight", async () => {
    const [a, b] = await Promise.all([
      fetch(`${base}/api/search`, { headers: { "x-request-id": "same" } }),
      fetch(`${base}/api/search`, { headers: { "x-request-id": "same" } }),
    ]);
    const ids = [a.headers.get("x-request-id"), b.headers.get("x-request-id")];
    expect(ids).toContain("same");
    expect(new Set(ids).size).toBe(2);
    expect(await a.text()).toBe(ids[0]);
    expect(await b.text()).toBe(ids[1]);
  });
});

describe("routeName", () => {
  it("replaces ids in paths so span names stay few", () => {
    expect(routeName("/api/runs/0f8fad5b-d9cb-469f-a165-70867728950e/labels")).toBe("/api/runs/:id/labels");
    expect(routeName("/api/keys/12")).toBe("/api/keys/:id");
    expect(routeName("/api/search")).toBe("/api/search");
  });
});
