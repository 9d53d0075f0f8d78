import { z } from "zod";

// The upload body (multipart, one `file`) is validated by readUpload in lib/ingest/upload.ts.

/** Route params of /api/documents/[id]; a malformed id is answered like an unknown one (404). */
export const documentIdParams = z.object({ id: z.uuid() });

/** PATCH /api/documents/[id]: share with a workspace, or null for private. */
export const shareBodySchema = z.object({ workspaceId: z.uuid().nullable() });
