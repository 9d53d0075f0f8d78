// A minimal writer for the ONNX protobuf format (onnx.proto, proto2 wire format): just enough to
// emit inference graphs built from initializers and standard operators, with no Python toolchain.

type Field = { no: number; wire: 0 | 2 | 5; bytes: Uint8Array };

function varint(value: number | bigint): Uint8Array {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return Uint8Array.from(out);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

const utf8 = new TextEncoder();

/** A protobuf message under construction: fields are appended in call order. */
export class Message {
  private readonly fields: Field[] = [];

  int(no: number, value: number | bigint): this {
    this.fields.push({ no, wire: 0, bytes: varint(value) });
    return this;
  }
  float(no: number, value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.fields.push({ no, wire: 5, bytes: b });
    return this;
  }
  bytes(no: number, value: Uint8Array): this {
    this.fields.push({ no, wire: 2, bytes: value });
    return this;
  }
  string(no: number, value: string): this {
    return this.bytes(no, utf8.encode(value));
  }
  message(no: number, value: Message): this {
    return this.bytes(no, value.encode());
  }

  encode(): Uint8Array {
    const parts: Uint8Array[] = [];
    for (const f of this.fields) {
      parts.push(varint((f.no << 3) | f.wire));
      if (f.wire === 2) parts.push(varint(f.bytes.length));
      parts.push(f.bytes);
    }
    return concat(parts);
  }
}
