import type { RetrievalMode } from "@/lib/retrieval/corrective/loop";
import type { Fusion } from "@/lib/retrieval/fusion";
import type { Timings } from "@/lib/retrieval/search";
import type { Qrels } from "./beir";
import { citationPrecision, type CitationPrecision } from "./citation-precision";
import { mean, mrrAt, ndcgAt, percentile, recallAt } from "./metrics";
import { STAGES, type QueryOutcome, type QueryTokens, type Stage, type TokenCounts } from "./run-queries";

export const RECALL_CUTOFFS = [5, 10, 45, 100];
// prettier-ignore
export const TIMING_KEYS = ["embedMs", "bm25Ms", "denseMs", "fusionMs", "rerankQueueMs", "rerankComputeMs", "totalMs"] as const;

/** "nvidia" | "rrf:0.4/0.6[:60]" | "minmax:0.8/0.2" | "minmax:0.8" (the BM25 weight; vector = 1 − it). */
export function parseFusion(spec: string): Fusion {
  const s = spec.trim();
  if (s === "nvidia") return "nvidia";
  const m = /^(rrf|minmax):([\d.]+)(?:\/([\d.]+))?(?::(\d+))?$/.exec(s);
  if (!m) throw new Error(`unknown fusion "${spec}": use nvidia, rrf:B/V[:c] or minmax:B/V or minmax:B`);
  const bm25 = Number(m[2]);
  const vector = m[3] !== undefined ? Number(m[3]) : 1 - bm25;
  if (!(bm25 >= 0 && vector >= 0 && bm25 + vector > 0))
    throw new Error(`fusion "${spec}": weights must be ≥ 0 and not both 0`);
  if (m[1] === "rrf") return { method: "rrf", weights: { bm25, vector }, c: m[4] ? Number(m[4]) : 60 };
  if (m[4]) throw new Error(`fusion "${spec}": c applies to rrf only`);
  return { method: "minmax", weights: { bm25, vector } };
}

export function fusionLabel(f: Fusion): string {
  if (f === "nvidia") return "nvidia";
  const w = `${f.weights.bm25}/${f.weights.vector}`;
  return f.method === "rrf" ? `rrf:${w}${f.c && f.c !== 60 ? `:${f.c}` : ""}` : `minmax:${w}`;
}

export type StageMetrics = Record<string, number>;

export interface RunReport {
  /** Absent: "single" (reports written before modes existed). */
  mode?: RetrievalMode;
  fusion: string;
  k: number;
  queries: number;
  stages: Record<Stage, StageMetrics>;
  latencyMs: Record<(typeof TIMING_KEYS)[number], { p50: number; p95: number; p99: number }>;
  perQuery: {
    queryId: string;
    ndcg10: Record<Stage, number>;
    citedDocumentIds?: string[];
    /** The LLM tokens the query spent (corrective grader and rewriter), when an LLM was called. */
    tokens?: QueryTokens;
  }[];
  /**
   * Of the passages the extractive answers cite, the share that are relevant (their document is
   * relevant in the qrels); null when no answer cited anything or answers were not composed.
   */
  citationPrecision: number | null;
  citations?: Omit<CitationPrecision, "citationPrecision">;
}

/** Per-stage metrics (trec_eval conventions) and latency percentiles for one (fusion, k) run. */
export function summarise(args: {
  outcomes: QueryOutcome[];
  qrels: Qrels;
  fusion: Fusion;
  k: number;
  mode?: RetrievalMode;
}): RunReport {
  const { outcomes, qrels, k } = args;
  const cutoffs = [...new Set([...RECALL_CUTOFFS, k])].sort((a, b) => a - b);
  const per = outcomes.map((o) => {
    const rel = qrels.get(o.queryId) ?? new Map<string, number>();
    const metrics = Object.fromEntries(
      STAGES.map((stage) => {
        const ranked = o.rankings[stage];
        const m: StageMetrics = {
          "ndcg@5": ndcgAt(ranked, rel, 5),
          "ndcg@10": ndcgAt(ranked, rel, 10),
          "mrr@10": mrrAt(ranked, rel, 10),
        };
        for (const c of cutoffs) m[`recall@${c}`] = recallAt(ranked, rel, c);
        return [stage, m];
      }),
    ) as Record<Stage, StageMetrics>;
    return { queryId: o.queryId, metrics };
  });
  const stages = Object.fromEntries(
    STAGES.map((stage) => {
      const keys = Object.keys(per[0]?.metrics[stage] ?? {});
      return [stage, Object.fromEntries(keys.map((key) => [key, mean(per.map((p) => p.metrics[stage][key]))]))];
    }),
  ) as Record<Stage, StageMetrics>;
  const latencyMs = Object.fromEntries(
    TIMING_KEYS.map((key) => {
      const xs = outcomes.map((o) => (o.timings as Timings)[key]);
      return [key, { p50: percentile(xs, 50), p95: percentile(xs, 95), p99: percentile(xs, 99) }];
    }),
  ) as RunReport["latencyMs"];
  const answered = outcomes.filter((o) => o.citedDocumentIds !== undefined);
  const { citationPrecision: precision, ...citations } = citationPrecision(
    answered.map((o) => ({ queryId: o.queryId, citedDocumentIds: o.citedDocumentIds! })),
    qrels,
  );
  return {
    ...(args.mode ? { mode: args.mode } : {}),
    fusion: fusionLabel(args.fusion),
    k,
    queries: outcomes.length,
    stages,
    latencyMs,
    perQuery: per.map((p, i) => ({
      queryId: p.queryId,
      ndcg10: Object.fromEntries(STAGES.map((s) => [s, p.metrics[s]["ndcg@10"]])) as Record<Stage, number>,
      ...(outcomes[i].citedDocumentIds ? { citedDocumentIds: outcomes[i].citedDocumentIds } : {}),
      ...(outcomes[i].tokens ? { tokens: outcomes[i].tokens } : {}),
    })),
    citationPrecision: answered.length ? precision : null,
    ...(answered.length ? { citations } : {}),
  };
}

/** One retrieval mode's final ranking, cost and course, from its run (the comparison table's row). */
export interface ModeSummary {
  mode: RetrievalMode;
  fusion: string;
  k: number;
  queries: number;
  /** Of the final ranking (reranked; for corrective the merged evidence of every round). */
  metrics: { "ndcg@10": number; "recall@10": number; "recall@45": number; "mrr@10": number };
  meanRounds: number;
  /** Share of queries whose loop rewrote the query at least once (ran a second round). */
  rewroteShare: number;
  /** Wall time per query, every round included. */
  latencyMs: { p50: number; p95: number };
  /** Mean LLM tokens per query (prompt + completion); null when no LLM was configured or called. */
  tokensPerQuery: number | null;
  /** The same split into prompt and completion tokens, overall and by step (grader, rewriter). */
  tokens: (TokenCounts & QueryTokens) | null;
  /** How many queries' loops stopped for each reason (corrective only). */
  stopReasons?: Record<string, number>;
}

/**
 * The mean LLM tokens per query over every query (a query that called no LLM counts 0); null when no
 * query reported any and no LLM was configured (`llm`: with one, a mode that never calls it spends 0).
 */
export function meanTokens(outcomes: QueryOutcome[], llm = false): (TokenCounts & QueryTokens) | null {
  if (!llm && !outcomes.some((o) => o.tokens)) return null;
  const n = Math.max(1, outcomes.length);
  const avg = (pick: (t: QueryTokens) => number) =>
    outcomes.reduce((s, o) => s + (o.tokens ? pick(o.tokens) : 0), 0) / n;
  const grader = { prompt: avg((t) => t.grader.prompt), completion: avg((t) => t.grader.completion) };
  const rewriter = { prompt: avg((t) => t.rewriter.prompt), completion: avg((t) => t.rewriter.completion) };
  return {
    prompt: grader.prompt + rewriter.prompt,
    completion: grader.completion + rewriter.completion,
    grader,
    rewriter,
  };
}

/** `llm`: whether an LLM was configured for the run (its tokens then read 0, not "–", where none were spent). */
export function summariseMode(run: RunReport, outcomes: QueryOutcome[], llm = false): ModeSummary {
  const m = run.stages.reranked;
  const loops = outcomes.map((o) => o.corrective);
  const rounds = loops.map((l) => l?.rounds ?? 1);
  const tokens = meanTokens(outcomes, llm);
  const stopReasons: Record<string, number> = {};
  for (const l of loops) if (l) stopReasons[l.stopReason] = (stopReasons[l.stopReason] ?? 0) + 1;
  return {
    mode: run.mode ?? "single",
    fusion: run.fusion,
    k: run.k,
    queries: run.queries,
    metrics: {
      "ndcg@10": m["ndcg@10"],
      "recall@10": m["recall@10"],
      "recall@45": m["recall@45"],
      "mrr@10": m["mrr@10"],
    },
    meanRounds: mean(rounds),
    rewroteShare: mean(rounds.map((r) => (r > 1 ? 1 : 0))),
    latencyMs: { p50: run.latencyMs.totalMs.p50, p95: run.latencyMs.totalMs.p95 },
    tokensPerQuery: tokens ? tokens.prompt + tokens.completion : null,
    tokens,
    ...(Object.keys(stopReasons).length ? { stopReasons } : {}),
  };
}

const MODE_COLUMNS = [
  "nDCG@10",
  "recall@10",
  "recall@45",
  "MRR@10",
  "mean rounds",
  "rewrote",
  "P50 ms",
  "P95 ms",
  "LLM tokens/query (prompt + completion)",
];

function modeCells(s: ModeSummary): string[] {
  return [
    s.metrics["ndcg@10"].toFixed(4),
    s.metrics["recall@10"].toFixed(4),
    s.metrics["recall@45"].toFixed(4),
    s.metrics["mrr@10"].toFixed(4),
    s.meanRounds.toFixed(2),
    `${(s.rewroteShare * 100).toFixed(1)}%`,
    s.latencyMs.p50.toFixed(1),
    s.latencyMs.p95.toFixed(1),
    s.tokens === null ? "–" : `${s.tokens.prompt.toFixed(1)} + ${s.tokens.completion.toFixed(1)}`,
  ];
}

/** The modes side by side; with single and corrective, a last row of corrective − single for the metrics. */
export function modesTable(modes: ModeSummary[]): string {
  const lines = [`| mode | ${MODE_COLUMNS.join(" | ")} |`, `|---|${MODE_COLUMNS.map(() => "---").join("|")}|`];
  for (const s of modes) lines.push(`| ${s.mode} | ${modeCells(s).join(" | ")} |`);
  const single = modes.find((s) => s.mode === "single");
  const corrective = modes.find((s) => s.mode === "corrective");
  if (single && corrective) {
    const d = (key: keyof ModeSummary["metrics"]) => {
      // Signed as printed: a difference that rounds to 0 reads ±0.0000, not −0.0000.
      const v = Number((corrective.metrics[key] - single.metrics[key]).toFixed(4));
      return `${v > 0 ? "+" : v < 0 ? "−" : "±"}${Math.abs(v).toFixed(4)}`;
    };
    const ratio = (key: "p50" | "p95") =>
      single.latencyMs[key] > 0 ? `×${(corrective.latencyMs[key] / single.latencyMs[key]).toFixed(2)}` : "–";
    lines.push(
      `| corrective − single | ${d("ndcg@10")} | ${d("recall@10")} | ${d("recall@45")} | ${d("mrr@10")} | | | ${ratio("p50")} | ${ratio("p95")} | |`,
    );
  }
  return lines.join("\n");
}

export function markdownTable(run: RunReport): string {
  const cols = ["ndcg@5", "ndcg@10", "recall@10", `recall@${run.k}`, "recall@100", "mrr@10"].filter(
    (c, i, a) => a.indexOf(c) === i,
  );
  const lines = [
    `| stage | ${cols.join(" | ")} |`,
    `|---|${cols.map(() => "---").join("|")}|`,
    ...STAGES.map((s) => {
      const m = run.stages[s];
      return `| ${s} | ${cols.map((c) => m[c].toFixed(4)).join(" | ")} |`;
    }),
  ];
  return lines.join("\n");
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

const tick = (v: number) => (v >= 10 ? String(Math.round(v)) : v.toFixed(2));

/** A line chart as inline SVG: one series per name, x = k. */
function lineChart(title: string, xs: number[], series: { name: string; ys: number[] }[], yLabel: string): string {
  const W = 520,
    H = 260,
    L = 50,
    B = 30,
    T = 24,
    R = 110;
  const all = series.flatMap((s) => s.ys).filter(Number.isFinite);
  const yMax = Math.max(...all, 0) * 1.05 || 1;
  const x = (v: number) => L + ((v - Math.min(...xs)) / Math.max(1, Math.max(...xs) - Math.min(...xs))) * (W - L - R);
  const y = (v: number) => H - B - (v / yMax) * (H - B - T);
  const colors = ["#2563eb", "#059669", "#d97706", "#dc2626", "#7c3aed", "#0891b2", "#4b5563"];
  const paths = series
    .map((s, i) => {
      const d = s.ys.map((v, j) => `${j ? "L" : "M"}${x(xs[j]).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
      const c = colors[i % colors.length];
      return `<path d="${d}" fill="none" stroke="${c}" stroke-width="2"/>${s.ys
        .map(
          (v, j) =>
            `<circle cx="${x(xs[j]).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3" fill="${c}"><title>${esc(s.name)} k=${xs[j]}: ${v.toFixed(4)}</title></circle>`,
        )
        .join("")}<text x="${W - R + 8}" y="${T + 14 * i + 10}" font-size="11" fill="${c}">${esc(s.name)}</text>`;
    })
    .join("");
  const ticks = xs
    .map((v) => `<text x="${x(v)}" y="${H - 10}" font-size="10" text-anchor="middle">${v}</text>`)
    .join("");
  const yTicks = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => `<text x="${L - 6}" y="${y(f * yMax) + 3}" font-size="10" text-anchor="end">${tick(f * yMax)}</text>`)
    .join("");
  return `<figure><figcaption>${esc(title)}</figcaption><svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}"><line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#999"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#999"/>${ticks}${yTicks}<text x="12" y="${T - 8}" font-size="10">${esc(yLabel)}</text>${paths}</svg></figure>`;
}

/** A self-contained HTML report: per-fusion charts of quality and latency against k, and every table. */
export function htmlReport(report: {
  dataset: string;
  createdAt: string;
  runs: RunReport[];
  modes?: Partial<Record<RetrievalMode, ModeSummary>>;
}): string {
  const runLabel = (r: RunReport) => (r.mode && r.mode !== "single" ? `${r.mode}, ${r.fusion}` : r.fusion);
  const fusions = [...new Set(report.runs.map(runLabel))];
  const charts = fusions
    .map((f) => {
      const runs = report.runs.filter((r) => runLabel(r) === f).sort((a, b) => a.k - b.k);
      const ks = runs.map((r) => r.k);
      if (ks.length < 2) return "";
      return [
        lineChart(
          `${f}: nDCG@10 against k`,
          ks,
          STAGES.map((s) => ({ name: s, ys: runs.map((r) => r.stages[s]["ndcg@10"]) })),
          "nDCG@10",
        ),
        lineChart(
          `${f}: recall@k against k`,
          ks,
          STAGES.map((s) => ({ name: s, ys: runs.map((r) => r.stages[s][`recall@${r.k}`] ?? Number.NaN) })),
          "recall",
        ),
        lineChart(
          `${f}: latency P95 against k`,
          ks,
          (["bm25Ms", "denseMs", "rerankComputeMs", "totalMs"] as const).map((t) => ({
            name: t,
            ys: runs.map((r) => r.latencyMs[t].p95),
          })),
          "ms",
        ),
      ].join("");
    })
    .join("");
  const tables = report.runs
    .map((r) => {
      const cols = Object.keys(r.stages.bm25);
      const rows = STAGES.map(
        (s) => `<tr><th>${s}</th>${cols.map((c) => `<td>${r.stages[s][c].toFixed(4)}</td>`).join("")}</tr>`,
      ).join("");
      const lat = TIMING_KEYS.map(
        (t) =>
          `<tr><th>${t}</th><td>${r.latencyMs[t].p50.toFixed(2)}</td><td>${r.latencyMs[t].p95.toFixed(2)}</td><td>${r.latencyMs[t].p99.toFixed(2)}</td></tr>`,
      ).join("");
      const cp =
        r.citationPrecision === null || r.citationPrecision === undefined
          ? ""
          : `<p>Citation precision of the extractive answers: <strong>${r.citationPrecision.toFixed(4)}</strong>${r.citations ? ` (${r.citations.relevantCited} of ${r.citations.cited} cited passages relevant, ${r.citations.answeredQueries} answered queries)` : ""}</p>`;
      return `<section><h2>${esc(runLabel(r))}, k = ${r.k} (${r.queries} queries)</h2>${cp}<table><tr><th></th>${cols.map((c) => `<th>${c}</th>`).join("")}</tr>${rows}</table><table><tr><th>stage</th><th>P50 ms</th><th>P95 ms</th><th>P99 ms</th></tr>${lat}</table></section>`;
    })
    .join("");
  const modes = Object.values(report.modes ?? {});
  const modeSection = modes.length
    ? `<section><h2>Single vs corrective retrieval (${esc(modes[0].fusion)}, k = ${modes[0].k}, ${modes[0].queries} queries)</h2><table><tr><th>mode</th>${MODE_COLUMNS.map((c) => `<th>${c}</th>`).join("")}</tr>${modes
        .map(
          (s) =>
            `<tr><th>${s.mode}</th>${modeCells(s)
              .map((c) => `<td>${c}</td>`)
              .join("")}</tr>`,
        )
        .join("")}</table></section>`
    : "";
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>RankLens eval — ${esc(report.dataset)}</title><style>body{font:14px system-ui,sans-serif;margin:24px;color:#111}table{border-collapse:collapse;margin:8px 16px 16px 0;display:inline-table}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right;font-variant-numeric:tabular-nums}th{background:#f5f5f5}figure{display:inline-block;margin:8px}figcaption{font-weight:600}</style></head><body><h1>RankLens evaluation: ${esc(report.dataset)}</h1><p>${esc(report.createdAt)}</p>${modeSection}${charts}${tables}</body></html>`;
}
