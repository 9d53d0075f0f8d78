import type { ReactNode } from "react";

export const inputClass =
  "w-full rounded border border-slate-300 bg-white px-2.5 py-1.5 text-sm text-slate-900 shadow-xs placeholder:text-slate-400 focus:border-indigo-500 focus:outline-2 focus:outline-offset-0 focus:outline-indigo-500/40 disabled:bg-slate-50 disabled:text-slate-400";

export const selectClass = `${inputClass} pr-7`;

/** A visible label above its control; `id` ties them together. */
export function Field({
  id,
  label,
  children,
  className = "",
}: {
  id: string;
  label: string;
  children: ReactNode;
  className?: string;
}) {
  return (
    <div className={`flex flex-col gap-1 ${className}`}>
      <label htmlFor={id} className="text-xs font-medium text-slate-700">
        {label}
      </label>
      {children}
    </div>
  );
}

/** A server or validation error, announced to screen readers. */
export function ErrorNote({ children, className = "" }: { children: ReactNode; className?: string }) {
  return (
    <p role="alert" className={`rounded bg-red-50 px-3 py-2 text-sm text-red-700 ring-1 ring-red-200 ${className}`}>
      {children}
    </p>
  );
}
