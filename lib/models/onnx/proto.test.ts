import { describe, expect, it } from "vitest";
import { Message } from "./proto";

describe("protobuf writer", () => {
  it("encodes varints, strings, floats and nested messages in wire format", () => {
    const bytes = new Message().int(1, 300).string(2, "hi").float(3, 1).message(4, new Message().int(1, 1)).encode();
    expect(Array.from(bytes)).toEqual([0x08, 0xac, 0x02, 0x12, 2, 0x68, 0x69, 0x1d, 0, 0, 0x80, 0x3f, 0x22, 2, 0x08, 1]);
  });
  it("encodes negative int64 as ten-byte two's complement", () => {
    expect(new Message().int(1, -1).encode().length).toBe(11);
  });
});
