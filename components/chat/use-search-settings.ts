"use client";

import { useCallback, useMemo, useSyncExternalStore } from "react";
import { DEFAULT_SETTINGS, type SearchSettings } from "./search-settings";

const STORAGE_KEY = "ranklens.searchSettings.v1";

// localStorage as an external store: the server render (and hydration) use the defaults, then the
// remembered settings take over. `memory` covers browsers where storage throws (private mode).
const listeners = new Set<() => void>();
let memory: string | null = null;

function read(): string | null {
  try {
    return window.localStorage.getItem(STORAGE_KEY) ?? memory;
  } catch {
    return memory;
  }
}

function write(value: string) {
  memory = value;
  try {
    window.localStorage.setItem(STORAGE_KEY, value);
  } catch {
    // Kept in memory only.
  }
  listeners.forEach((l) => l());
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  window.addEventListener("storage", listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("storage", listener);
  };
}

function parse(raw: string | null): SearchSettings {
  if (!raw) return DEFAULT_SETTINGS;
  try {
    const parsed = JSON.parse(raw) as Partial<SearchSettings>;
    return { ...DEFAULT_SETTINGS, ...parsed, custom: { ...DEFAULT_SETTINGS.custom, ...parsed.custom } };
  } catch {
    return DEFAULT_SETTINGS;
  }
}

/** Search settings, remembered across reloads in localStorage. */
export function useSearchSettings() {
  const raw = useSyncExternalStore(subscribe, read, () => null);
  const settings = useMemo(() => parse(raw), [raw]);

  const update = useCallback((change: Partial<SearchSettings>) => {
    write(JSON.stringify({ ...parse(read()), ...change }));
  }, []);

  const reset = useCallback(() => write(JSON.stringify(DEFAULT_SETTINGS)), []);

  return { settings, update, reset };
}
