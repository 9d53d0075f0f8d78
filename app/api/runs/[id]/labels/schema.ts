import { z } from "zod";

import { AppError } from "@/lib/errors";

/** `PUT /api/runs/{id}/labels`: judge one of the run's candidates (2 relevant, 1 partly, 0 not) or clear it (null). */
export const putLabelSchema = z.object({
  chunkId: z.number().int().positive(),
  grade: z.union([z.literal(0), z.literal(1), z.literal(2), z.null()]),
});

export type PutLabelRequest = z.infer<typeof putLabelSchema>;

export function parsePutLabel(body: unknown): PutLabelRequest {
  const parsed = putLabelSchema.safeParse(body);
  if (!parsed.success) {
    throw new AppError(
      "bad_request:labels",
      "The body must be { chunkId: <candidate chunk id>, grade: 0 | 1 | 2 | null } (2 relevant, 1 partly, 0 not, null clears).",
    );
  }
  return parsed.data;
}
