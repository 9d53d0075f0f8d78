import type { SearchResultRow } from "@/components/api-types";

/**
 * How the reranker moved one candidate: into or out of the top n (what the answer uses), or up, down or
 * not at all within the same side of that cut; "none" when it was not reranked.
 */
export type MoveKind = "entered" | "left" | "up" | "down" | "same" | "none";

export interface Move {
  kind: MoveKind;
  /** fusedRank − rerankRank: positive = moved up. */
  delta: number;
}

export function moveOf(row: Pick<SearchResultRow, "fusedRank" | "rerankRank">, topN: number): Move {
  if (row.rerankRank == null) return { kind: "none", delta: 0 };
  const delta = row.fusedRank - row.rerankRank;
  if (row.fusedRank > topN && row.rerankRank <= topN) return { kind: "entered", delta };
  if (row.fusedRank <= topN && row.rerankRank > topN) return { kind: "left", delta };
  return { kind: delta > 0 ? "up" : delta < 0 ? "down" : "same", delta };
}

/** Far moves darker: 1–2 places, 3–9, 10 or more. */
const steps = (delta: number) => (Math.abs(delta) >= 10 ? 2 : Math.abs(delta) >= 3 ? 1 : 0);
const UP = ["var(--move-up-near)", "var(--move-up)", "var(--move-up-far)"];
const DOWN = ["var(--move-down-near)", "var(--move-down)", "var(--move-down-far)"];

/**
 * Stroke colour of the line joining a candidate's two rows: a theme variable (app/globals.css), so set it
 * through `style`, not the SVG presentation attribute.
 */
export function moveColor({ kind, delta }: Move): string {
  switch (kind) {
    case "entered":
      return "var(--move-entered)";
    case "left":
      return "var(--move-left)";
    case "up":
      return UP[steps(delta)];
    case "down":
      return DOWN[steps(delta)];
    default:
      return "var(--move-none)";
  }
}

/** In words, for screen readers and tooltips. */
export function describeMove({ kind, delta }: Move, topN: number): string {
  const places = (n: number) => `${Math.abs(n)} place${Math.abs(n) === 1 ? "" : "s"}`;
  switch (kind) {
    case "entered":
      return `entered the top ${topN}, up ${places(delta)}`;
    case "left":
      return `left the top ${topN}, down ${places(delta)}`;
    case "up":
      return `up ${places(delta)}`;
    case "down":
      return `down ${places(delta)}`;
    case "same":
      return "unchanged";
    default:
      return "not reranked";
  }
}

export const MOVE_LEGEND: { move: Move; label: string; dashed?: boolean }[] = [
  { move: { kind: "entered", delta: 1 }, label: "entered top n" },
  { move: { kind: "left", delta: -1 }, label: "left top n", dashed: true },
  { move: { kind: "up", delta: 1 }, label: "up 1–2" },
  { move: { kind: "up", delta: 10 }, label: "up ≥10" },
  { move: { kind: "down", delta: -1 }, label: "down 1–2" },
  { move: { kind: "down", delta: -10 }, label: "down ≥10" },
  { move: { kind: "same", delta: 0 }, label: "unchanged" },
];
