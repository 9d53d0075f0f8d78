import { inflateRawSync } from "node:zlib";
import { IngestError } from "@/lib/errors";

// A small ZIP central-directory reader: enough to tell a DOCX from another ZIP and to refuse a zip
// bomb before any parser inflates it. The directory's declared sizes are checked first (entry count,
// total uncompressed size, compression ratio); then every entry is inflated once with its output capped
// at its declared size, so a directory that lies about the sizes is caught too, with bounded work.

export const ZIP_LIMITS = {
  /** Most entries a DOCX may hold. */
  maxEntries: 10_000,
  /** Most bytes all entries together may inflate to. */
  maxUncompressedBytes: 200 * 1024 * 1024,
  /** Highest uncompressed / compressed ratio, over the whole archive and per entry above 1 MB. */
  maxRatio: 100,
};

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** The central directory's entries; null when `bytes` is not a readable ZIP. */
export function readZipDirectory(bytes: Uint8Array): ZipEntry[] | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The end-of-central-directory record: 22 bytes plus a comment of up to 65535 bytes, at the end.
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === EOCD_SIGNATURE) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return null;
  const count = view.getUint16(eocd + 10, true);
  const dirSize = view.getUint32(eocd + 12, true);
  const dirOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) {
    throw new IngestError("The archive uses ZIP64 (over 4 GB or 65 535 entries), which is refused as too large.");
  }
  if (dirOffset + dirSize > eocd) return null;
  const entries: ZipEntry[] = [];
  let p = dirOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > eocd || view.getUint32(p, true) !== CENTRAL_SIGNATURE) return null;
    const method = view.getUint16(p + 10, true);
    const compressedSize = view.getUint32(p + 20, true);
    const uncompressedSize = view.getUint32(p + 24, true);
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    const commentLength = view.getUint16(p + 32, true);
    const localHeaderOffset = view.getUint32(p + 42, true);
    if (compressedSize === 0xffffffff || uncompressedSize === 0xffffffff || localHeaderOffset === 0xffffffff) {
      throw new IngestError("The archive uses ZIP64 (an entry over 4 GB), which is refused as too large.");
    }
    const name = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLength));
    entries.push({ name, method, compressedSize, uncompressedSize, localHeaderOffset });
    p += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** Throws IngestError when the directory declares more than the limits allow (a zip bomb). */
export function checkZipLimits(entries: ZipEntry[], limits = ZIP_LIMITS): void {
  if (entries.length > limits.maxEntries) {
    throw new IngestError(
      `The archive has ${entries.length} entries (at most ${limits.maxEntries}); refused as a zip bomb.`,
    );
  }
  let total = 0;
  let compressed = 0;
  for (const e of entries) {
    total += e.uncompressedSize;
    compressed += e.compressedSize;
    if (e.uncompressedSize > 1024 * 1024 && e.uncompressedSize > limits.maxRatio * Math.max(1, e.compressedSize)) {
      throw new IngestError(
        `"${e.name}" in the archive expands more than ${limits.maxRatio} times; refused as a zip bomb.`,
      );
    }
  }
  const mb = (n: number) => `${Math.round(n / (1024 * 1024))} MB`;
  if (total > limits.maxUncompressedBytes) {
    throw new IngestError(
      `The archive expands to ${mb(total)} (at most ${mb(limits.maxUncompressedBytes)}); refused as a zip bomb.`,
    );
  }
  if (total > 1024 * 1024 && total > limits.maxRatio * Math.max(1, compressed)) {
    throw new IngestError(`The archive expands more than ${limits.maxRatio} times; refused as a zip bomb.`);
  }
}

/**
 * Inflates every entry with its output capped at the size the directory declares, so an entry whose
 * real size is larger than declared is refused without inflating more than the checked total.
 */
export function verifyZipEntries(bytes: Uint8Array, entries: ZipEntry[]): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const e of entries) {
    const p = e.localHeaderOffset;
    if (p + 30 > bytes.length || view.getUint32(p, true) !== LOCAL_SIGNATURE) {
      throw new IngestError(`The archive is corrupt (entry "${e.name}" has no local header).`);
    }
    const start = p + 30 + view.getUint16(p + 26, true) + view.getUint16(p + 28, true);
    const end = start + e.compressedSize;
    if (end > bytes.length) throw new IngestError(`The archive is corrupt (entry "${e.name}" is truncated).`);
    if (e.method === 0) {
      if (e.compressedSize !== e.uncompressedSize) {
        throw new IngestError(`The archive is corrupt (stored entry "${e.name}" has inconsistent sizes).`);
      }
      continue;
    }
    if (e.method !== 8) {
      throw new IngestError(`The archive uses an unsupported compression method (${e.method}) for "${e.name}".`);
    }
    let out: Buffer;
    try {
      // maxOutputLength must be ≥ 1; an output larger than declared throws a RangeError.
      out = inflateRawSync(bytes.subarray(start, end), { maxOutputLength: Math.max(1, e.uncompressedSize) });
    } catch (error) {
      if (error instanceof RangeError || (error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
        throw new IngestError(`"${e.name}" in the archive is larger than its directory says; refused as a zip bomb.`);
      }
      throw new IngestError(`The archive is corrupt (entry "${e.name}" does not inflate).`);
    }
    if (out.length !== e.uncompressedSize) {
      throw new IngestError(`The archive is corrupt (entry "${e.name}" has the wrong size).`);
    }
  }
}
