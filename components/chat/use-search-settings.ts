"use client";

import { useCallback, useEffect, useState } from "react";
import { DEFAULT_SETTINGS, type SearchSettings } from "./search-settings";

const STORAGE_KEY = "ranklens.searchSettings.v1";

function load(): SearchSettings {
  try {
    const raw = window.localStorage.getItem(STORAGE_KEY);
    if (!raw) return DEFAULT_SETTINGS;
    const parsed = JSON.parse(raw) as Partial<SearchSettings>;
    return { ...DEFAULT_SETTINGS, ...parsed, custom: { ...DEFAULT_SETTINGS.custom, ...parsed.custom } };
  } catch {
    return DEFAULT_SETTINGS;
  }
}

/** Search settings, remembered across reloads in localStorage. */
export function useSearchSettings() {
  const [settings, setSettings] = useState<SearchSettings>(DEFAULT_SETTINGS);

  // Read after mount so the server render and the first client render agree.
  useEffect(() => setSettings(load()), []);

  const update = useCallback((change: Partial<SearchSettings>) => {
    setSettings((prev) => {
      const next = { ...prev, ...change };
      try {
        window.localStorage.setItem(STORAGE_KEY, JSON.stringify(next));
      } catch {
        // Storage may be unavailable (private mode); settings then last for the page's life.
      }
      return next;
    });
  }, []);

  const reset = useCallback(() => update(DEFAULT_SETTINGS), [update]);

  return { settings, update, reset };
}
