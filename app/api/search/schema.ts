import type { z } from "zod";

import { AppError } from "@/lib/errors";
import { readJsonBody } from "@/lib/http/read-json";
import { searchParamsSchema, type SearchParams } from "@/lib/retrieval/search";

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

/** A JSON body within MAX_JSON_BYTES (413 beyond), 400 when it is not JSON. */
export async function readJson(request: Request, code: "bad_request:search" | "bad_request:chat"): Promise<unknown> {
  return readJsonBody(request, code === "bad_request:search" ? "search" : "chat");
}
