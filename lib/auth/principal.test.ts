import { describe, expect, it, vi } from "vitest";

vi.mock("server-only", () => ({}));
const { checkLocalHost, checkSameOrigin } = await import("./principal");
const { clientIp } = await import("@/lib/security/rate-limit");

const origins = ["http://127.0.0.1:3000"];
const request = (method: string, headers: Record<string, string>) =>
  new Request("http://127.0.0.1:3000/api/documents", { method, headers });

describe("checkSameOrigin (CSRF)", () => {
  it("lets reads and same-origin or non-browser mutations through", () => {
    expect(() => checkSameOrigin(request("GET", { origin: "http://evil.example" }), origins, "upload")).not.toThrow();
    expect(() =>
      checkSameOrigin(request("POST", { origin: "http://127.0.0.1:3000" }), origins, "upload"),
    ).not.toThrow();
    expect(() =>
      checkSameOrigin(request("POST", { "sec-fetch-site": "same-origin" }), origins, "upload"),
    ).not.toThrow();
    expect(() => checkSameOrigin(request("POST", {}), origins, "upload")).not.toThrow();
  });

  it("refuses cross-site mutations by Origin or Sec-Fetch-Site", () => {
    expect(() => checkSameOrigin(request("POST", { origin: "http://evil.example" }), origins, "upload")).toThrow(
      /Cross-site/,
    );
    expect(() => checkSameOrigin(request("DELETE", { "sec-fetch-site": "cross-site" }), origins, "document")).toThrow();
    expect(() => checkSameOrigin(request("POST", { "sec-fetch-site": "same-site" }), origins, "upload")).toThrow();
    expect(() => checkSameOrigin(request("POST", { origin: "null" }), origins, "upload")).toThrow();
  });
});

describe("clientIp", () => {
  it("takes the hop the nearest proxy added", () => {
    expect(clientIp(new Request("http://x/", { headers: { "x-forwarded-for": "6.6.6.6, 10.0.0.7" } }))).toBe(
      "10.0.0.7",
    );
    expect(clientIp(new Request("http://x/", { headers: { "x-forwarded-for": "127.0.0.1" } }))).toBe("127.0.0.1");
    expect(clientIp(new Request("http://x/"))).toBe("unknown");
  });
});

describe("checkLocalHost (DNS rebinding in local mode)", () => {
  const at = (host: string) => new Request(`http://${host}/api/documents`, { headers: { host } });
  it("accepts loopback names and the configured origins", () => {
    for (const host of ["127.0.0.1:3000", "localhost:3000", "[::1]:3000"]) {
      expect(() => checkLocalHost(at(host), origins, "document")).not.toThrow();
    }
  });
  it("refuses any other Host", () => {
    expect(() => checkLocalHost(at("attacker.example:3000"), origins, "document")).toThrow(/refused in local mode/);
  });
});
