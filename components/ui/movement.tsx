/**
 * Rank movement caused by the reranker: fusedRank − rerankRank. Positive = moved up.
 * `null` when the row was not reranked (reranker skipped or row outside the reranked set).
 */
export function movementOf(fusedRank: number, rerankRank: number | null | undefined): number | null {
  return rerankRank == null ? null : fusedRank - rerankRank;
}

export function Movement({ delta, className = "" }: { delta: number | null; className?: string }) {
  if (delta == null) {
    return <span className={`font-mono text-xs text-slate-500 ${className}`}>·</span>;
  }
  if (delta === 0) {
    return (
      <span className={`font-mono text-xs text-slate-500 ${className}`} data-movement="0" title="unchanged">
        =
      </span>
    );
  }
  const up = delta > 0;
  return (
    <span
      className={`whitespace-nowrap font-mono text-xs font-semibold ${up ? "text-emerald-600" : "text-red-600"} ${className}`}
      data-movement={delta}
      title={up ? `up ${delta}` : `down ${-delta}`}
    >
      {up ? "▲" : "▼"}
      {Math.abs(delta)}
    </span>
  );
}
