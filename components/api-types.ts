// The HTTP shapes the pages read (docs/contracts.md), taken from the server modules that produce them.
// Type-only exports: they are erased at build time, so no server code reaches the browser.

export type { DocumentContent, DocumentSummary } from "@/db/queries/documents";
export type { RunRecord } from "@/db/queries/runs";
export type { Citation } from "@/lib/generate/types";
export type { RunDataPart as RunData } from "@/lib/generate/ui-message";
export type { Fusion } from "@/lib/retrieval/fusion";
export type { SearchParams, SearchResultRow, Timings } from "@/lib/retrieval/search";

import type { DocumentSummary } from "@/db/queries/documents";

export type DocumentStatus = DocumentSummary["status"];

export interface ApiErrorBody {
  error?: { code?: string; message?: string };
}

export type { ApiKeySummary } from "@/db/queries/api-keys";
export type { WorkspaceSummary } from "@/db/queries/workspaces";
export type { UserSummary } from "@/lib/auth/users";

import type { ApiKeySummary } from "@/db/queries/api-keys";
import type { UserRole } from "@/db/schema";

/** GET /api/me. */
export interface Me {
  mode: "local" | "accounts";
  user: { id: string; email: string; name: string; role: UserRole };
  via: "local" | "session" | "api-key";
  scope: ApiKeySummary["scope"];
  workspaces: { id: string; name: string }[];
}

/** POST /api/keys: the summary plus the key itself, shown this once. */
export type CreatedApiKey = ApiKeySummary & { key: string };
