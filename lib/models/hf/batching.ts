// Batching by token budget: sequences sorted by length (so a batch pads little), each batch holding as
// many as fit in `budget` padded tokens (batch size × its longest sequence); one long sequence still runs.
import { ort } from "@/lib/models/onnx/session";
import type { Encoded } from "./tokenizer";

/** Indices of `lengths` grouped into batches, longest first; every index appears once. */
export function batchByTokenBudget(lengths: number[], budget: number): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[b] - lengths[a] || a - b);
  const batches: number[][] = [];
  let current: number[] = [];
  let longest = 0;
  for (const i of order) {
    const width = Math.max(longest, lengths[i]);
    if (current.length > 0 && (current.length + 1) * width > budget) {
      batches.push(current);
      current = [];
    }
    longest = current.length === 0 ? lengths[i] : width;
    current.push(i);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

export interface PaddedBatch {
  size: number;
  length: number;
  feeds: Record<string, ort.Tensor>;
  /** 1 for real tokens, 0 for padding, row-major [size, length]. */
  mask: BigInt64Array;
}

/** Right-padded int64 inputs; token_type_ids only when the graph takes them. */
export function padBatch(encoded: Encoded[], padId: number, inputNames: readonly string[]): PaddedBatch {
  const size = encoded.length;
  const length = Math.max(...encoded.map((e) => e.ids.length));
  const ids = new BigInt64Array(size * length).fill(BigInt(padId));
  const mask = new BigInt64Array(size * length);
  const types = new BigInt64Array(size * length);
  encoded.forEach((e, row) => {
    e.ids.forEach((id, j) => {
      ids[row * length + j] = BigInt(id);
      mask[row * length + j] = 1n;
      types[row * length + j] = BigInt(e.typeIds[j] ?? 0);
    });
  });
  const dims = [size, length];
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor("int64", ids, dims),
    attention_mask: new ort.Tensor("int64", mask, dims),
  };
  if (inputNames.includes("token_type_ids")) feeds.token_type_ids = new ort.Tensor("int64", types, dims);
  const unknown = inputNames.filter((n) => !(n in feeds));
  if (unknown.length > 0) throw new Error(`the model takes inputs this loader does not supply: ${unknown.join(", ")}`);
  return { size, length, feeds, mask };
}
