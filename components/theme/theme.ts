/**
 * The colour theme: "system" follows prefers-color-scheme, "light" and "dark" pin it. The choice is kept
 * in localStorage; the page carries it as `data-theme` on <html>, and the resolved theme as the `dark`
 * class (which the colour tokens in app/globals.css switch on) and `color-scheme`.
 */
export type Theme = "system" | "light" | "dark";

export const THEMES: Theme[] = ["system", "light", "dark"];
export const THEME_STORAGE_KEY = "ranklens-theme";
const DARK_QUERY = "(prefers-color-scheme: dark)";

const isTheme = (v: unknown): v is Theme => v === "system" || v === "light" || v === "dark";

/**
 * Runs inline in <head> before the body is parsed, so the first paint already has the right theme (no
 * flash of light). Self-contained: it is serialised into the page, so it may use nothing from outside.
 */
export function applyStoredTheme(storageKey: string, darkQuery: string, chosen?: string) {
  let theme = chosen ?? "system";
  if (!chosen) {
    try {
      const stored = localStorage.getItem(storageKey);
      if (stored === "light" || stored === "dark") theme = stored;
    } catch {
      // Storage can be blocked (privacy settings): fall back to the system theme.
    }
  }
  const dark = theme === "dark" || (theme === "system" && matchMedia(darkQuery).matches);
  const root = document.documentElement;
  root.dataset.theme = theme;
  root.classList.toggle("dark", dark);
  root.style.colorScheme = dark ? "dark" : "light";
}

export const themeScript = `(${applyStoredTheme.toString()})(${JSON.stringify(THEME_STORAGE_KEY)}, ${JSON.stringify(DARK_QUERY)})`;

const listeners = new Set<() => void>();

function subscribe(listener: () => void) {
  listeners.add(listener);
  const media = matchMedia(DARK_QUERY);
  // In System mode the page follows the OS switching between light and dark while it is open.
  const onSystemChange = () => {
    applyStoredTheme(THEME_STORAGE_KEY, DARK_QUERY, themeStore.get());
    listener();
  };
  // Another tab changed the choice.
  const onStorage = (e: StorageEvent) => {
    if (e.key !== THEME_STORAGE_KEY && e.key !== null) return;
    applyStoredTheme(THEME_STORAGE_KEY, DARK_QUERY);
    listener();
  };
  media.addEventListener("change", onSystemChange);
  window.addEventListener("storage", onStorage);
  return () => {
    listeners.delete(listener);
    media.removeEventListener("change", onSystemChange);
    window.removeEventListener("storage", onStorage);
  };
}

export const themeStore = {
  subscribe,
  get(): Theme {
    const current = document.documentElement.dataset.theme;
    return isTheme(current) ? current : "system";
  },
  /** The server cannot know the stored choice: it renders System and the client corrects it. */
  getServer(): Theme {
    return "system";
  },
  set(theme: Theme) {
    try {
      if (theme === "system") localStorage.removeItem(THEME_STORAGE_KEY);
      else localStorage.setItem(THEME_STORAGE_KEY, theme);
    } catch {
      // Not persisted (storage blocked); still applied to this page.
    }
    applyStoredTheme(THEME_STORAGE_KEY, DARK_QUERY, theme);
    for (const l of listeners) l();
  },
};
