import { sql, type SQL } from "drizzle-orm";
import { LOCAL_USER_ID } from "../schema/auth";
import { queryRows, type Executor } from "./sql";

/**
 * Whose documents a read may touch: a user (the documents they own and those shared with a workspace
 * they are in) or, for offline scripts on their own databases (evaluation, benchmarks), "all".
 * Query functions default to the implicit local user of AUTH_MODE=local; route handlers always pass the
 * signed-in principal's viewer.
 */
export type Viewer = { userId: string } | "all";

export const LOCAL_VIEWER: Viewer = { userId: LOCAL_USER_ID };

/** SQL predicate over a documents row (alias `d` by default) that is true when the viewer may read it. */
export function documentVisibleTo(viewer: Viewer, d: SQL = sql.raw(`"d"`)): SQL {
  if (viewer === "all") return sql`TRUE`;
  return sql`(${d}.owner_id = ${viewer.userId}
    OR ${d}.workspace_id IN (SELECT wm.workspace_id FROM workspace_members wm WHERE wm.user_id = ${viewer.userId}))`;
}

/**
 * The documents a search may read, as a documentIds filter for the retrieval queries: the requested
 * ids narrowed to visible ones, or (none requested) undefined when the viewer can read every document
 * in the database, else every visible document's id. Text is fetched through getChunksByIds, which
 * applies the same predicate again, so a document added between this check and the search cannot leak.
 */
export async function searchableDocumentIds({
  db,
  viewer,
  documentIds,
}: {
  db: Executor;
  viewer: Viewer;
  documentIds?: string[];
}): Promise<string[] | undefined> {
  if (viewer === "all") return documentIds;
  if (documentIds) {
    if (documentIds.length === 0) return [];
    const rows = await queryRows<{ id: string }>(
      db,
      sql`SELECT d.id FROM documents d
          WHERE d.id = ANY(${`{${documentIds.join(",")}}`}::uuid[]) AND ${documentVisibleTo(viewer)}`,
    );
    return rows.map((r) => r.id);
  }
  const [hidden] = await queryRows<{ n: unknown }>(
    db,
    sql`SELECT count(*) AS n FROM (SELECT 1 FROM documents d WHERE NOT ${documentVisibleTo(viewer)} LIMIT 1) x`,
  );
  if (Number(hidden.n) === 0) return undefined;
  const rows = await queryRows<{ id: string }>(
    db,
    sql`SELECT d.id FROM documents d WHERE d.status = 'ready' AND ${documentVisibleTo(viewer)}`,
  );
  return rows.map((r) => r.id);
}
