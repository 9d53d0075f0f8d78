import { z } from "zod";

export { newUserSchema } from "@/lib/auth/users";

export const userPatchSchema = z
  .object({ disabled: z.boolean().optional(), role: z.enum(["admin", "user"]).optional() })
  .refine((v) => v.disabled !== undefined || v.role !== undefined, "send disabled and/or role");

export const newWorkspaceSchema = z.object({ name: z.string().trim().min(1, "must not be empty").max(100) });

export const memberSchema = z.object({ userId: z.string().trim().min(1).max(200) });
