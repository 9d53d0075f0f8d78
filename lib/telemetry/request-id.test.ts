import { afterEach, describe, expect, it, vi } from "vitest";
import { isSafeRequestId, newRequestId, requestIdFrom } from "./request-id";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("request ids", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("accepts short ids of letters, digits, dot, dash and underscore", () => {
    for (const id of ["a", "req-1", "A.b_C-9", "x".repeat(64), "0f8fad5b-d9cb-469f-a165-70867728950e"]) {
      expect(isSafeRequestId(id), id).toBe(true);
    }
  });

  it("refuses empty, long, or anything that could split a log line or a header", () => {
    for (const id of ["", "x".repeat(65), "a b", "a\nb", "a\r\nX-Evil: 1", "a,b", 'a"b', "ä", "a/b", "{}"]) {
      expect(isSafeRequestId(id), JSON.stringify(id)).toBe(false);
    }
    expect(isSafeRequestId(undefined)).toBe(false);
    expect(isSafeRequestId(42)).toBe(false);
  });

  it("keeps a safe caller's id and replaces anything else with a fresh one", () => {
    expect(requestIdFrom("client-7")).toBe("client-7");
    const fresh = requestIdFrom("bad id");
    expect(fresh).toMatch(UUID_V4);
    expect(requestIdFrom(null)).toMatch(UUID_V4);
    expect(requestIdFrom(null)).not.toBe(requestIdFrom(null));
  });

  it("makes v4 UUIDs without randomUUID too (plain-http pages have no secure context)", () => {
    const { getRandomValues } = globalThis.crypto;
    vi.stubGlobal("crypto", { getRandomValues: getRandomValues.bind(globalThis.crypto) });
    const ids = new Set(Array.from({ length: 50 }, () => newRequestId()));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(UUID_V4);
  });
});
