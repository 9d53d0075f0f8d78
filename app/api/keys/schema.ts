import { z } from "zod";

export const newKeySchema = z.object({
  name: z.string().trim().min(1, "must not be empty").max(100),
  scope: z.enum(["read", "write"]),
});
