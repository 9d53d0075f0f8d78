import type { InputHTMLAttributes, ReactNode, SelectHTMLAttributes, TextareaHTMLAttributes } from "react";

export const inputClass =
  "w-full rounded border border-slate-300 bg-white px-2.5 py-1.5 text-sm text-slate-900 shadow-xs placeholder:text-slate-400 focus:border-indigo-500 focus:outline-2 focus:outline-offset-0 focus:outline-indigo-500/40 disabled:cursor-not-allowed disabled:bg-slate-50 disabled:text-slate-400 aria-invalid:border-red-500";

export const selectClass = `${inputClass} pr-7`;

/** The compact select of toolbars and panel headers. */
export const compactSelectClass =
  "rounded border border-slate-300 bg-white px-1.5 py-0.5 text-xs text-slate-900 focus:border-indigo-500 focus:outline-2 focus:outline-offset-0 focus:outline-indigo-500/40";

export function Input({ className = "", ...props }: InputHTMLAttributes<HTMLInputElement>) {
  return <input {...props} className={`${inputClass} ${className}`} />;
}

export function Select({ className = "", ...props }: SelectHTMLAttributes<HTMLSelectElement>) {
  return <select {...props} className={`${selectClass} ${className}`} />;
}

export function Textarea({ className = "", ...props }: TextareaHTMLAttributes<HTMLTextAreaElement>) {
  return <textarea {...props} className={`${inputClass} ${className}`} />;
}

/** The ids a Field gives its description and error, for the control's aria-describedby. */
export function describedBy(id: string, { description, error }: { description?: ReactNode; error?: ReactNode }) {
  const ids = [description ? `${id}-description` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ");
  return ids || undefined;
}

/**
 * A visible label above its control, an optional description and error under it; `id` ties them
 * together (give the control `id` and `aria-describedby={describedBy(id, { description, error })}`).
 */
export function Field({
  id,
  label,
  description,
  error,
  children,
  className = "",
}: {
  id: string;
  label: string;
  description?: ReactNode;
  error?: ReactNode;
  children: ReactNode;
  className?: string;
}) {
  return (
    <div className={`flex flex-col gap-1 ${className}`}>
      <label htmlFor={id} className="text-xs font-medium text-slate-700">
        {label}
      </label>
      {children}
      {description && (
        <p id={`${id}-description`} className="text-[11px] text-slate-500">
          {description}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="text-xs text-red-700">
          {error}
        </p>
      )}
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
