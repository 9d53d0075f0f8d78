import { z } from "zod";

import { AppError } from "@/lib/errors";

import { describeIssues } from "../search/schema";

/** PATCH /api/conversations/[id]: `{ title?, documentIds? }`, at least one. */
export const conversationPatchSchema = z
  .object({
    title: z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters").optional(),
    documentIds: z.array(z.uuid()).max(1000).optional(),
  })
  .strict()
  .refine((b) => b.title !== undefined || b.documentIds !== undefined, "give a title or documentIds");

/** POST /api/conversations/[id]/turns/[turnId]/stop: how many characters of the answer the user got. */
export const stopSchema = z.object({ chars: z.number().int().min(0).max(1_000_000) }).strict();

export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new AppError("bad_request:chat", describeIssues(parsed.error));
  return parsed.data;
}

export const conversationNotFound = () => new AppError("not_found:chat", "No conversation with this id.");
