// `npm run models:list`: what is installed in models/, of which kind and dimension, and which serves.
import path from "node:path";
import type { ActiveModels, InstalledModel, listInstalledModels } from "./registry";

type Listed = Awaited<ReturnType<typeof listInstalledModels>>[number];

export interface ModelListRow {
  name: string;
  id: string;
  kind: string;
  format: string;
  dimension: string;
  maxLength: string;
  active: boolean;
  note: string;
}

/** Whether this folder serves: the reranker by the folder the worker loads, when known; otherwise by id. */
function isActive(model: InstalledModel, active: ActiveModels): boolean {
  if (model.kind === "reranker" && active.rerankerDir)
    return path.resolve(model.dir) === path.resolve(active.rerankerDir);
  if (model.kind === "embedder" && active.embedderDir)
    return path.resolve(model.dir) === path.resolve(active.embedderDir);
  return active[model.kind] === model.id;
}

export function modelListRows(listed: Listed[], active: ActiveModels): ModelListRow[] {
  return listed.map((m) => {
    if ("error" in m) {
      return {
        name: m.name,
        id: "-",
        kind: "-",
        format: "-",
        dimension: "-",
        maxLength: "-",
        active: false,
        note: `unreadable: ${m.error}`,
      };
    }
    const model = m as InstalledModel;
    const manifest = model.manifest;
    return {
      name: model.name,
      id: model.id,
      kind: manifest?.kind ?? model.kind,
      format: model.format,
      dimension: model.dimension !== undefined ? String(model.dimension) : "-",
      maxLength: manifest ? String(manifest.maxLength) : "-",
      active: isActive(model, active),
      note: manifest
        ? [
            manifest.kind === "embedder" ? `pooling ${manifest.pooling}` : "",
            `licence ${manifest.licence}`,
            manifest.files.length === 0 ? "no manifest (inferred)" : "",
          ]
            .filter(Boolean)
            .join(", ")
        : "",
    };
  });
}

/** A plain-text table, then the active models (which may be remote and so not in the table). */
export function formatModelList(rows: ModelListRow[], active: ActiveModels, modelsDir: string): string {
  const header = ["", "NAME", "ID", "KIND", "FORMAT", "DIM", "MAX LEN", "NOTES"];
  const body = rows.map((r) => [r.active ? "*" : "", r.name, r.id, r.kind, r.format, r.dimension, r.maxLength, r.note]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  const out = [`models in ${modelsDir}:`];
  out.push(rows.length === 0 ? "  (none: run `npm run models:build`)" : [header, ...body].map(line).join("\n"));
  out.push(
    "",
    `active embedder: ${active.embedder}`,
    `active reranker: ${active.reranker}${active.rerankerDir ? ` (${active.rerankerDir})` : ""}`,
    "(* = active)",
  );
  return out.join("\n");
}
