import { describe, expect, it } from "vitest";
import { normaliseQuery } from "./labels";

describe("normaliseQuery", () => {
  it("joins case, spacing and Unicode width variants of one query", () => {
    expect(normaliseQuery("  Basalt \t LAVA\n")).toBe("basalt lava");
    expect(normaliseQuery("ＲＡＧ　検索")).toBe("rag 検索");
    expect(normaliseQuery("basalt lava")).not.toBe(normaliseQuery("basalt lavas"));
  });
});
