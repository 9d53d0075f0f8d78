export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export function formatScore(score: number | null | undefined, digits = 4): string {
  return score == null || Number.isNaN(score) ? "—" : score.toFixed(digits);
}

export function formatRank(rank: number | null | undefined): string {
  return rank == null ? "—" : String(rank);
}

export function formatMs(ms: number | null | undefined): string {
  if (ms == null || Number.isNaN(ms)) return "—";
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

export function documentHref(documentId: string, chunkId?: number): string {
  const base = `/documents/${encodeURIComponent(documentId)}`;
  return chunkId == null ? base : `${base}?chunk=${chunkId}`;
}

export function describeFusion(fusion: unknown): string {
  if (fusion === "nvidia") return "nvidia (RRF bm25 0.4 / vector 0.6, c 60)";
  if (fusion && typeof fusion === "object" && "method" in fusion) {
    const f = fusion as { method: string; weights?: { bm25: number; vector: number }; c?: number };
    const w = f.weights ? `bm25 ${f.weights.bm25} / vector ${f.weights.vector}` : "";
    if (f.method === "rrf") return `RRF ${w}, c ${f.c ?? 60}`;
    if (f.method === "minmax") return `min-max ${w}`;
    return `${f.method} ${w}`;
  }
  return "default";
}
