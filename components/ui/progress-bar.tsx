export function ProgressBar({
  value,
  max,
  tone = "indigo",
  label,
  className = "",
}: {
  value: number;
  max: number;
  tone?: "indigo" | "green" | "red" | "gray";
  label?: string;
  className?: string;
}) {
  const pct = max > 0 ? Math.max(0, Math.min(100, (value / max) * 100)) : 0;
  const fill = { indigo: "bg-indigo-500", green: "bg-emerald-500", red: "bg-red-500", gray: "bg-slate-400" }[tone];
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(pct)}
      className={`h-1.5 w-full overflow-hidden rounded-full bg-slate-200 ${className}`}
    >
      <div className={`h-full rounded-full transition-[width] duration-300 ${fill}`} style={{ width: `${pct}%` }} />
    </div>
  );
}
