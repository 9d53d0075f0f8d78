import type { z } from "zod";

import { AppError } from "@/lib/errors";
import { readJsonBody } from "@/lib/http/read-json";
import { searchParamsSchema, type SearchParams } from "@/lib/retrieval/search";
import { retrievalModeSchema, type RetrievalMode } from "@/lib/retrieval/corrective/loop";

export { searchParamsSchema };

/** "k: Too big: expected number to be <=200; topN: topN must not exceed k" */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ");
}

/** `POST /api/search` body → SearchParams, or a 400 AppError that says which field is wrong. */
export function parseSearchRequest(body: unknown): SearchParams {
  const parsed = searchParamsSchema.safeParse(body);
  if (!parsed.success) throw new AppError("bad_request:search", describeIssues(parsed.error));
  return parsed.data;
}

/** The body's `mode` ("single" | "corrective", default single), or a 400 AppError. */
export function parseSearchMode(body: unknown): RetrievalMode {
  const mode = typeof body === "object" && body !== null && "mode" in body ? body.mode : undefined;
  const parsed = retrievalModeSchema.default("single").safeParse(mode);
  if (!parsed.success) throw new AppError("bad_request:search", `mode: ${parsed.error.issues[0].message}`);
  return parsed.data;
}

/** A JSON body within MAX_JSON_BYTES (413 beyond), 400 when it is not JSON. */
export async function readJson(request: Request, code: "bad_request:search" | "bad_request:chat"): Promise<unknown> {
  return readJsonBody(request, code === "bad_request:search" ? "search" : "chat");
}
