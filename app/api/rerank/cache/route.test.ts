import { beforeEach, describe, expect, it, vi } from "vitest";
import { AppError } from "@/lib/errors";
import { recordRerankCache, resetRerankCacheStats } from "@/lib/rerank/cache";

const { guard } = vi.hoisted(() => ({ guard: vi.fn() }));
vi.mock("server-only", () => ({}));
vi.mock("@/lib/auth/guard", () => ({ guard }));

const { GET } = await import("./route");
const get = () => GET(new Request("http://localhost/api/rerank/cache"));

describe("GET /api/rerank/cache", () => {
  beforeEach(() => {
    resetRerankCacheStats();
    guard.mockReset();
    guard.mockResolvedValue({ userId: "local" });
  });

  it("returns the hit and miss counters and the hit rate, behind a read guard on the rerank surface", async () => {
    expect(await (await get()).json()).toEqual({ hits: 0, misses: 0, errors: 0, hitRate: 0 });
    recordRerankCache("hit");
    recordRerankCache("hit");
    recordRerankCache("hit");
    recordRerankCache("miss");
    recordRerankCache("error");
    const res = await get();
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ hits: 3, misses: 1, errors: 1, hitRate: 0.75 });
    expect(guard).toHaveBeenCalledWith(expect.any(Request), { need: "read", surface: "rerank" });
  });

  it("answers the guard's error without counters", async () => {
    guard.mockRejectedValue(new AppError("unauthorized:rerank", "sign in to use the API"));
    recordRerankCache("hit");
    const res = await get();
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: { code: string }; hits?: number };
    expect(body.error.code).toBe("unauthorized:rerank");
    expect(body.hits).toBeUndefined();
  });
});
