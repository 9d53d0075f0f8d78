import { env } from "@/lib/env";
import { AppError, type ErrorSurface } from "@/lib/errors";

/**
 * A JSON request body, read up to `limit` bytes (MAX_JSON_BYTES): 413 beyond it (checked on
 * Content-Length first, then while reading, so a lying or absent length cannot get more through),
 * 400 when it is not JSON.
 */
export async function readJsonBody(
  request: Request,
  surface: ErrorSurface,
  limit: number = env.MAX_JSON_BYTES,
): Promise<unknown> {
  const tooLarge = () => new AppError(`too_large:${surface}`, `The request body is larger than ${limit} bytes.`);
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        throw tooLarge();
      }
      chunks.push(value);
    }
  }
  const text = new TextDecoder().decode(Buffer.concat(chunks));
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError(`bad_request:${surface}`, "The request body must be a JSON object.");
  }
}
