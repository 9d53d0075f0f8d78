import { describe, expect, it } from "vitest";

import { contentSecurityPolicy, createNonce, isHttpsRequest, securityHeaders } from "./headers";

const directives = (csp: string) =>
  new Map(csp.split("; ").map((d) => [d.split(" ")[0], d.split(" ").slice(1)] as const));

describe("contentSecurityPolicy", () => {
  it("allows scripts only with the nonce, and nothing else from anywhere else", () => {
    const csp = directives(contentSecurityPolicy("abc123", { dev: false }));
    expect(csp.get("script-src")).toEqual(["'self'", "'nonce-abc123'", "'strict-dynamic'"]);
    expect(csp.get("default-src")).toEqual(["'self'"]);
    expect(csp.get("object-src")).toEqual(["'none'"]);
    expect(csp.get("base-uri")).toEqual(["'none'"]);
    expect(csp.get("frame-ancestors")).toEqual(["'none'"]);
    expect(csp.get("form-action")).toEqual(["'self'"]);
    expect(csp.get("connect-src")).toEqual(["'self'"]);
    expect(csp.get("img-src")).toEqual(["'self'", "data:", "blob:"]);
    expect(csp.get("style-src")).toEqual(["'self'", "'unsafe-inline'"]);
    expect([...csp.values()].flat()).not.toContain("'unsafe-eval'");
    expect(csp.get("script-src")).not.toContain("'unsafe-inline'");
  });

  it("adds 'unsafe-eval' and the hot-reload socket only in development", () => {
    const csp = directives(contentSecurityPolicy("n", { dev: true }));
    expect(csp.get("script-src")).toContain("'unsafe-eval'");
    expect(csp.get("connect-src")).toEqual(["'self'", "ws:", "wss:"]);
  });
});

describe("securityHeaders", () => {
  it("sets the usual headers, HSTS only over https", () => {
    const http = securityHeaders("n", { dev: false, https: false });
    expect(http).toMatchObject({
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "no-referrer",
      "X-Frame-Options": "DENY",
      "Cross-Origin-Opener-Policy": "same-origin",
    });
    expect(http["Permissions-Policy"]).toContain("camera=()");
    expect(http["Permissions-Policy"]).toContain("microphone=()");
    expect(http["Permissions-Policy"]).toContain("geolocation=()");
    expect(http["Content-Security-Policy"]).toContain("'nonce-n'");
    expect(http).not.toHaveProperty("Strict-Transport-Security");
    expect(securityHeaders("n", { dev: false, https: true })["Strict-Transport-Security"]).toMatch(/max-age=\d+/);
  });
});

describe("createNonce", () => {
  it("is base64 of 16 random bytes, different each time", () => {
    const a = createNonce();
    expect(a).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(new Set(Array.from({ length: 50 }, createNonce)).size).toBe(50);
  });
});

describe("isHttpsRequest", () => {
  it("trusts the first X-Forwarded-Proto, else the URL's scheme", () => {
    expect(isHttpsRequest("http://127.0.0.1:3000/", null)).toBe(false);
    expect(isHttpsRequest("https://ranklens.example/", null)).toBe(true);
    expect(isHttpsRequest("http://127.0.0.1:3000/", "https")).toBe(true);
    expect(isHttpsRequest("http://127.0.0.1:3000/", "https, http")).toBe(true);
    expect(isHttpsRequest("https://ranklens.example/", "http")).toBe(false);
  });
});
