import { Message } from "./proto";

// TensorProto.DataType values used here.
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7, BOOL: 9 } as const;
export type DataTypeName = keyof typeof DataType;

type AttrValue = number | number[] | string | { float: number };

export type TensorInit =
  | { name: string; type: "FLOAT"; dims: number[]; data: Float32Array }
  | { name: string; type: "INT32"; dims: number[]; data: Int32Array }
  | { name: string; type: "INT64"; dims: number[]; data: BigInt64Array };

export interface ValueInfo {
  name: string;
  type: DataTypeName;
  /** A number is a fixed size, a string a symbolic one ("batch"). */
  shape: (number | string)[];
}

function tensorProto(t: TensorInit): Message {
  const m = new Message();
  for (const d of t.dims) m.int(1, d);
  m.int(2, DataType[t.type]);
  m.string(8, t.name);
  // raw_data is little-endian, which is every platform Node runs on here.
  m.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  return m;
}

function valueInfo(v: ValueInfo): Message {
  const shape = new Message();
  for (const d of v.shape) {
    shape.message(1, typeof d === "number" ? new Message().int(1, d) : new Message().string(2, d));
  }
  const tensorType = new Message().int(1, DataType[v.type]).message(2, shape);
  return new Message().string(1, v.name).message(2, new Message().message(1, tensorType));
}

function attribute(name: string, value: AttrValue): Message {
  const m = new Message().string(1, name);
  if (typeof value === "string") return m.string(4, value).int(20, 3);
  if (Array.isArray(value)) {
    for (const v of value) m.int(8, v);
    return m.int(20, 7);
  }
  if (typeof value === "object") return m.float(2, value.float).int(20, 1);
  return m.int(3, value).int(20, 2);
}

/** Builds one ONNX graph. Node outputs get unique names; `op` returns the output name. */
export class GraphBuilder {
  private readonly nodes: Message[] = [];
  private readonly initializers: Message[] = [];
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private counter = 0;

  constructor(private readonly name: string) {}

  input(v: ValueInfo): string {
    this.inputs.push(v);
    return v.name;
  }

  output(v: ValueInfo, from: string): void {
    this.op("Identity", [from], {}, v.name);
    this.outputs.push(v);
  }

  init(t: TensorInit): string {
    this.initializers.push(tensorProto(t));
    return t.name;
  }

  /** A float constant (initializer) of the given shape; a scalar when dims is []. */
  const(values: number[], dims: number[] = [values.length]): string {
    return this.init({ name: `const_${this.counter++}`, type: "FLOAT", dims, data: Float32Array.from(values) });
  }

  /** An int64 constant, as operators such as Unsqueeze and ReduceSum take their axes. */
  ints(values: number[]): string {
    return this.init({
      name: `ints_${this.counter++}`,
      type: "INT64",
      dims: [values.length],
      data: BigInt64Array.from(values.map((v) => BigInt(v))),
    });
  }

  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outputName?: string): string {
    const out = outputName ?? `${opType.toLowerCase()}_${this.counter++}`;
    const node = new Message();
    for (const i of inputs) node.string(1, i);
    node.string(2, out).string(3, `${out}_node`).string(4, opType);
    for (const [k, v] of Object.entries(attrs)) node.message(5, attribute(k, v));
    this.nodes.push(node);
    return out;
  }

  encode(opset = 17): Uint8Array {
    const graph = new Message();
    for (const n of this.nodes) graph.message(1, n);
    graph.string(2, this.name);
    for (const t of this.initializers) graph.message(5, t);
    for (const i of this.inputs) graph.message(11, valueInfo(i));
    for (const o of this.outputs) graph.message(12, valueInfo(o));
    return new Message()
      .int(1, 8) // ir_version 8 (ONNX 1.13+), opset 17
      .string(2, "ranklens")
      .message(8, new Message().string(1, "").int(2, opset))
      .message(7, graph)
      .encode();
  }
}
