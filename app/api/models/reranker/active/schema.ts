import { z } from "zod";
import { isHeadVersion } from "@/lib/models/starter/head-versions";

export const activeVersionSchema = z.object({
  version: z
    .string()
    .trim()
    .refine(isHeadVersion, "must be an installed head version such as 3f2a9c1d-20261125T153000Z or builtin"),
});
