import { describe, expect, it } from "vitest";
import { appOrigins, resolveAuthMode } from "./mode";

describe("resolveAuthMode", () => {
  it("defaults to local on loopback and to accounts anywhere else", () => {
    expect(resolveAuthMode({ HOST: "127.0.0.1" })).toBe("local");
    expect(resolveAuthMode({ HOST: "localhost" })).toBe("local");
    expect(resolveAuthMode({ HOST: "::1" })).toBe("local");
    expect(resolveAuthMode({ HOST: "0.0.0.0" })).toBe("accounts");
    expect(resolveAuthMode({ HOST: "192.168.1.20" })).toBe("accounts");
    expect(resolveAuthMode({ HOST: "ranklens.example.com" })).toBe("accounts");
  });

  it("honours AUTH_MODE=accounts on loopback and refuses local on an exposed address", () => {
    expect(resolveAuthMode({ HOST: "127.0.0.1", AUTH_MODE: "accounts" })).toBe("accounts");
    expect(() => resolveAuthMode({ HOST: "0.0.0.0", AUTH_MODE: "local" })).toThrow(
      /AUTH_MODE=local needs a loopback HOST/,
    );
  });
});

describe("appOrigins", () => {
  it("derives the base URL and the loopback spellings", () => {
    const { baseUrl, origins } = appOrigins({ HOST: "127.0.0.1", PORT: 3000 });
    expect(baseUrl).toBe("http://127.0.0.1:3000");
    expect(origins).toEqual(expect.arrayContaining(["http://127.0.0.1:3000", "http://localhost:3000"]));
  });

  it("uses APP_URL and TRUSTED_ORIGINS as given, nothing else", () => {
    const { baseUrl, origins } = appOrigins({
      HOST: "0.0.0.0",
      PORT: 3000,
      APP_URL: "https://rank.example.com/",
      TRUSTED_ORIGINS: "https://admin.example.com/path, ",
    });
    expect(baseUrl).toBe("https://rank.example.com");
    expect(origins).toEqual(["https://rank.example.com", "https://admin.example.com"]);
  });
});
