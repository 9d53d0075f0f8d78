import type { HTMLAttributes, ReactNode } from "react";

export function Panel({
  title,
  actions,
  children,
  className = "",
  bodyClassName = "",
  ...props
}: Omit<HTMLAttributes<HTMLElement>, "title"> & {
  title?: ReactNode;
  actions?: ReactNode;
  bodyClassName?: string;
}) {
  return (
    <section {...props} className={`rounded-md border border-slate-200 bg-white shadow-xs ${className}`}>
      {(title || actions) && (
        <header className="flex items-center gap-2 border-b border-slate-200 px-3 py-2">
          {title && <h2 className="text-xs font-semibold uppercase tracking-wide text-slate-600">{title}</h2>}
          {actions && <div className="ml-auto flex items-center gap-2">{actions}</div>}
        </header>
      )}
      <div className={bodyClassName}>{children}</div>
    </section>
  );
}
