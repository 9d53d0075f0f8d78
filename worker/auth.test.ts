import { describe, expect, it } from "vitest";
import { checkBearer, exposureError, isLoopbackHost } from "./auth";

describe("isLoopbackHost", () => {
  it.each([
    "127.0.0.1",
    "127.1.2.3",
    "127.255.255.255",
    "::1",
    "[::1]",
    "0:0:0:0:0:0:0:1",
    "::ffff:127.0.0.1",
    "localhost",
    "LOCALHOST",
    " localhost ",
  ])("%s is loopback", (host) => expect(isLoopbackHost(host)).toBe(true));

  it.each([
    "0.0.0.0",
    "::",
    "",
    "10.0.0.5",
    "192.168.1.10",
    "128.0.0.1",
    "::ffff:10.0.0.1",
    "::2",
    "example.com",
    "localhost.example.com",
    "my-localhost",
  ])("%s is not loopback", (host) => expect(isLoopbackHost(host)).toBe(false));
});

describe("exposureError", () => {
  it("lets a loopback host start without a token, and any host with one", () => {
    expect(exposureError("127.0.0.1", undefined)).toBeNull();
    expect(exposureError("::1", undefined)).toBeNull();
    expect(exposureError("0.0.0.0", "s3cret")).toBeNull();
  });

  it("refuses an exposed host without a token, in one line that names the fix", () => {
    const message = exposureError("0.0.0.0", undefined);
    expect(message).toBe(
      "WORKER_HOST=0.0.0.0 is not a loopback address: set WORKER_TOKEN (the app sends it as Authorization: Bearer)",
    );
    expect(exposureError("0.0.0.0", "")).toBe(message);
  });
});

describe("checkBearer", () => {
  const token = "s3cret-token";

  it("accepts the token as a Bearer credential", () => {
    expect(checkBearer(`Bearer ${token}`, token)).toBe(true);
    expect(checkBearer(`bearer ${token}`, token)).toBe(true);
    expect(checkBearer(`Bearer   ${token}  `, token)).toBe(true);
    expect(checkBearer("Bearer pass phrase", "pass phrase")).toBe(true);
  });

  it("refuses a missing, wrong, partial or differently-schemed credential", () => {
    expect(checkBearer(undefined, token)).toBe(false);
    expect(checkBearer("", token)).toBe(false);
    expect(checkBearer("Bearer", token)).toBe(false);
    expect(checkBearer("Bearer ", token)).toBe(false);
    expect(checkBearer(token, token)).toBe(false);
    expect(checkBearer(`Basic ${token}`, token)).toBe(false);
    expect(checkBearer("Bearer wrong", token)).toBe(false);
    expect(checkBearer(`Bearer ${token.slice(0, -1)}`, token)).toBe(false);
    expect(checkBearer(`Bearer ${token}x`, token)).toBe(false);
    expect(checkBearer([`Bearer ${token}`], token)).toBe(false);
  });

  it("never accepts anything when the token is empty", () => {
    expect(checkBearer("Bearer ", "")).toBe(false);
    expect(checkBearer("Bearer x", "")).toBe(false);
  });
});
