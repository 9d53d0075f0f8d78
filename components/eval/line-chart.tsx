/** `color`: any CSS colour; a `var(--chart-…)` token (app/globals.css) follows the theme. */
export type ChartSeries = { name: string; color: string; values: (number | null)[]; dashed?: boolean };

const W = 480;
const H = 200;
const PAD = { left: 44, right: 12, top: 12, bottom: 28 };

/**
 * A small line chart as inline SVG (no chart library): one point per x, one line per series, a legend
 * under it. Each point has a tooltip with its exact value; the figure is labelled by its title.
 */
export function LineChart({
  title,
  x,
  xTicks,
  series,
  yMax,
  format = (v) => v.toFixed(3),
  testId,
}: {
  title: string;
  /** Positions along the x axis (e.g. k, or 0..n−1 for a sequence). */
  x: number[];
  /** A label per x. */
  xTicks: string[];
  series: ChartSeries[];
  /** Top of the y axis; default the largest value (+5 %). */
  yMax?: number;
  format?: (v: number) => string;
  testId?: string;
}) {
  const values = series.flatMap((s) => s.values).filter((v): v is number => v != null && Number.isFinite(v));
  const top = yMax ?? (Math.max(0, ...values) * 1.05 || 1);
  const [x0, x1] = [Math.min(...x), Math.max(...x)];
  const px = (v: number) =>
    x.length < 2 || x1 === x0
      ? (PAD.left + W - PAD.right) / 2
      : PAD.left + ((v - x0) / (x1 - x0)) * (W - PAD.left - PAD.right);
  const py = (v: number) => H - PAD.bottom - (v / top) * (H - PAD.top - PAD.bottom);
  const yTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * top);
  // At most ~8 x labels, so long sequences stay readable.
  const every = Math.max(1, Math.ceil(x.length / 8));

  return (
    <figure className="min-w-0" data-testid={testId}>
      <figcaption className="mb-1 text-xs font-semibold text-slate-700">{title}</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} className="h-auto w-full max-w-[520px]" role="img" aria-label={title}>
        {yTicks.map((v) => (
          <g key={v}>
            <line x1={PAD.left} x2={W - PAD.right} y1={py(v)} y2={py(v)} className="stroke-slate-200" />
            <text x={PAD.left - 6} y={py(v) + 3} fontSize="10" textAnchor="end" className="fill-slate-500">
              {format(v)}
            </text>
          </g>
        ))}
        {x.map((v, i) =>
          i % every === 0 || i === x.length - 1 ? (
            <text
              key={i}
              x={px(v)}
              y={H - 10}
              fontSize="10"
              // The outermost labels grow inwards so they are not cut at the edges.
              textAnchor={x.length > 1 && i === 0 ? "start" : x.length > 1 && i === x.length - 1 ? "end" : "middle"}
              className="fill-slate-500"
            >
              {xTicks[i]}
            </text>
          ) : null,
        )}
        <line x1={PAD.left} x2={W - PAD.right} y1={H - PAD.bottom} y2={H - PAD.bottom} className="stroke-slate-400" />
        {series.map((s) => {
          const pts = s.values
            .map((v, i) => (v == null || !Number.isFinite(v) ? null : ([px(x[i]), py(v), v, i] as const)))
            .filter((p) => p !== null);
          const d = pts.map(([cx, cy], j) => `${j ? "L" : "M"}${cx.toFixed(1)},${cy.toFixed(1)}`).join(" ");
          return (
            <g key={s.name} data-series={s.name}>
              {pts.length > 1 && (
                <path
                  d={d}
                  fill="none"
                  style={{ stroke: s.color }}
                  strokeWidth="2"
                  strokeDasharray={s.dashed ? "5 4" : undefined}
                />
              )}
              {pts.map(([cx, cy, v, i]) => (
                <circle key={i} cx={cx} cy={cy} r="3.5" style={{ fill: s.color }} data-testid="chart-point">
                  <title>{`${s.name} · ${xTicks[i]}: ${format(v)}`}</title>
                </circle>
              ))}
            </g>
          );
        })}
      </svg>
      <ul className="mt-1 flex flex-wrap gap-x-3 gap-y-1 text-[11px] text-slate-600">
        {series.map((s) => (
          <li key={s.name} className="flex items-center gap-1">
            <span className="inline-block h-0.5 w-4" style={{ background: s.color }} aria-hidden />
            {s.name}
          </li>
        ))}
      </ul>
    </figure>
  );
}
