"use client";

import { useSyncExternalStore, type ReactNode } from "react";
import { Icon } from "@/components/ui/icon";
import { THEMES, themeStore, type Theme } from "./theme";

const LABELS: Record<Theme, string> = { system: "System theme", light: "Light theme", dark: "Dark theme" };

const ICONS: Record<Theme, ReactNode> = {
  system: (
    <Icon>
      <rect x="3" y="4" width="18" height="12" rx="2" />
      <path d="M8 20h8M12 16v4" />
    </Icon>
  ),
  light: (
    <Icon>
      <circle cx="12" cy="12" r="4" />
      <path d="M12 2v2M12 20v2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M2 12h2M20 12h2M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4" />
    </Icon>
  ),
  dark: (
    <Icon>
      <path d="M21 12.8A9 9 0 1 1 11.2 3a7 7 0 0 0 9.8 9.8z" />
    </Icon>
  ),
};

/**
 * System / Light / Dark as one radio group: Tab reaches the chosen one, arrow keys switch (and apply at
 * once), the choice is kept across reloads.
 */
export function ThemeControl({ className = "" }: { className?: string }) {
  const theme = useSyncExternalStore(themeStore.subscribe, themeStore.get, themeStore.getServer);
  return (
    <fieldset
      className={`inline-flex shrink-0 items-center rounded-md bg-slate-100 p-0.5 ring-1 ring-inset ring-slate-200 ${className}`}
      data-testid="theme-control"
    >
      <legend className="sr-only">Theme</legend>
      {THEMES.map((t) => (
        <label
          key={t}
          title={LABELS[t]}
          className="relative flex cursor-pointer items-center rounded px-1.5 py-1 text-slate-500 hover:text-slate-900 has-checked:bg-white has-checked:text-indigo-700 has-checked:shadow-xs has-focus-visible:outline-2 has-focus-visible:outline-offset-1 has-focus-visible:outline-indigo-500"
        >
          <input
            type="radio"
            name="theme"
            value={t}
            checked={theme === t}
            onChange={() => themeStore.set(t)}
            className="sr-only"
            data-testid={`theme-${t}`}
          />
          {ICONS[t]}
          <span className="sr-only">{LABELS[t]}</span>
        </label>
      ))}
    </fieldset>
  );
}
