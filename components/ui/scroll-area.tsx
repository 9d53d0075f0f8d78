import type { HTMLAttributes } from "react";

/**
 * A box that scrolls sideways on its own (a wide table on a narrow screen) instead of the page. It is a
 * labelled, focusable region so keyboard users can reach it and scroll it with the arrow keys.
 */
export function ScrollArea({ label, className = "", ...props }: HTMLAttributes<HTMLDivElement> & { label: string }) {
  return (
    <div
      role="region"
      aria-label={label}
      tabIndex={0}
      {...props}
      className={`overflow-x-auto rounded focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500 ${className}`}
    />
  );
}
