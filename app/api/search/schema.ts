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

/**
 * Named search settings a request can start from with `"preset": "<name>"`; fields given beside it win.
 * `nvidia` is the NVIDIA / LangChain RAG blueprint (weighted RRF BM25 0.4 / vector 0.6, k = 45, top 5),
 * kept selectable while the defaults are the ones `npm run tune` measured.
 */
export const SEARCH_PRESETS = {
  nvidia: { k: 45, topN: 5, fusion: "nvidia" },
} as const;

function withPreset(body: unknown): unknown {
  if (typeof body !== "object" || body === null || !("preset" in body)) return body;
  const { preset, ...rest } = body as { preset: unknown };
  if (typeof preset !== "string" || !Object.hasOwn(SEARCH_PRESETS, preset)) {
    throw new AppError("bad_request:search", `preset: must be one of ${Object.keys(SEARCH_PRESETS).join(", ")}`);
  }
  return { ...SEARCH_PRESETS[preset as keyof typeof SEARCH_PRESETS], ...rest };
}

/** `POST /api/search` body → SearchParams, or a 400 AppError that says which field is wrong. */
export function parseSearchRequest(body: unknown): SearchParams {
  const parsed = searchParamsSchema.safeParse(withPreset(body));
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
