"use client";

import { useId, useState } from "react";
import { describeFusion } from "@/components/format";
import { Button } from "@/components/ui/button";
import { fusionOf, isDefault, presetChange, type FusionPreset, type SearchSettings } from "./search-settings";

const inputClass =
  "w-full rounded border border-slate-300 bg-white px-2 py-1 font-mono text-xs focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500";

function clampInt(value: string, min: number, max: number, fallback: number): number {
  const n = Math.round(Number(value));
  return Number.isFinite(n) ? Math.max(min, Math.min(max, n)) : fallback;
}

function clampWeight(value: string, fallback: number): number {
  const n = Number(value);
  return Number.isFinite(n) ? Math.max(0, Math.min(1, n)) : fallback;
}

export function SettingsPanel({
  settings,
  onChange,
  onReset,
}: {
  settings: SearchSettings;
  onChange: (change: Partial<SearchSettings>) => void;
  onReset: () => void;
}) {
  const [open, setOpen] = useState(false);
  const id = useId();
  const custom = settings.custom;

  return (
    <div className="rounded-md border border-slate-200 bg-white" data-testid="chat-settings">
      <button
        type="button"
        aria-expanded={open}
        aria-controls={`${id}-body`}
        data-testid="chat-settings-toggle"
        onClick={() => setOpen((o) => !o)}
        className="flex w-full items-center gap-2 px-3 py-1.5 text-left text-xs"
      >
        <span aria-hidden className="text-slate-500">{open ? "▾" : "▸"}</span>
        <span className="font-semibold uppercase tracking-wide text-slate-600">Retrieval settings</span>
        <span className="ml-2 truncate font-mono text-slate-500">
          k {settings.k} · topN {settings.topN} · {describeFusion(fusionOf(settings))} · rerank{" "}
          {settings.rerank ? "on" : "off"}
          {settings.mode === "corrective" ? " · corrective" : ""}
        </span>
        {!isDefault(settings) && <span className="ml-auto text-amber-700">modified</span>}
      </button>
      {open && (
        <div id={`${id}-body`} className="grid gap-3 border-t border-slate-200 px-3 py-3 sm:grid-cols-4">
          <label className="flex flex-col gap-1 text-xs text-slate-600">
            k (candidates per retriever)
            <input
              type="number"
              min={1}
              max={200}
              className={inputClass}
              data-testid="setting-k"
              value={settings.k}
              onChange={(e) => onChange({ k: clampInt(e.target.value, 1, 200, settings.k) })}
            />
          </label>
          <label className="flex flex-col gap-1 text-xs text-slate-600">
            topN (passages to the answer)
            <input
              type="number"
              min={1}
              max={50}
              className={inputClass}
              data-testid="setting-topn"
              value={settings.topN}
              onChange={(e) => onChange({ topN: clampInt(e.target.value, 1, 50, settings.topN) })}
            />
          </label>
          <label className="flex flex-col gap-1 text-xs text-slate-600">
            Fusion
            <select
              className={inputClass}
              data-testid="setting-fusion"
              value={settings.preset}
              onChange={(e) => onChange(presetChange(e.target.value as FusionPreset))}
            >
              <option value="minmax">min-max 0.9 / 0.1 (default)</option>
              <option value="nvidia">nvidia RRF 0.4 / 0.6, k 45, top 5</option>
              <option value="custom">custom weights…</option>
            </select>
          </label>
          <label className="flex items-center gap-2 self-end pb-1 text-xs text-slate-700">
            <input
              type="checkbox"
              className="h-4 w-4 accent-indigo-600"
              data-testid="setting-rerank"
              checked={settings.rerank}
              onChange={(e) => onChange({ rerank: e.target.checked })}
            />
            Rerank candidates
          </label>
          <label className="flex items-center gap-2 text-xs text-slate-700 sm:col-span-4">
            <input
              type="checkbox"
              className="h-4 w-4 accent-indigo-600"
              data-testid="setting-corrective"
              checked={settings.mode === "corrective"}
              onChange={(e) => onChange({ mode: e.target.checked ? "corrective" : "single" })}
            />
            Corrective loop: grade the passages and, when the evidence is weak, rewrite the query and retry
          </label>
          {settings.preset === "custom" && (
            <div className="grid gap-3 sm:col-span-4 sm:grid-cols-4">
              <label className="flex flex-col gap-1 text-xs text-slate-600">
                Method
                <select
                  className={inputClass}
                  value={custom.method}
                  data-testid="setting-custom-method"
                  onChange={(e) => onChange({ custom: { ...custom, method: e.target.value as "rrf" | "minmax" } })}
                >
                  <option value="rrf">weighted RRF</option>
                  <option value="minmax">min-max score</option>
                </select>
              </label>
              <label className="flex flex-col gap-1 text-xs text-slate-600">
                BM25 weight
                <input
                  type="number"
                  step={0.05}
                  min={0}
                  max={1}
                  className={inputClass}
                  data-testid="setting-weight-bm25"
                  value={custom.bm25}
                  onChange={(e) => onChange({ custom: { ...custom, bm25: clampWeight(e.target.value, custom.bm25) } })}
                />
              </label>
              <label className="flex flex-col gap-1 text-xs text-slate-600">
                Vector weight
                <input
                  type="number"
                  step={0.05}
                  min={0}
                  max={1}
                  className={inputClass}
                  data-testid="setting-weight-vector"
                  value={custom.vector}
                  onChange={(e) =>
                    onChange({ custom: { ...custom, vector: clampWeight(e.target.value, custom.vector) } })
                  }
                />
              </label>
              {custom.method === "rrf" && (
                <label className="flex flex-col gap-1 text-xs text-slate-600">
                  RRF c
                  <input
                    type="number"
                    min={1}
                    max={1000}
                    className={inputClass}
                    data-testid="setting-rrf-c"
                    value={custom.c}
                    onChange={(e) =>
                      onChange({ custom: { ...custom, c: clampInt(e.target.value, 1, 1000, custom.c) } })
                    }
                  />
                </label>
              )}
            </div>
          )}
          <div className="sm:col-span-4">
            <Button size="sm" variant="ghost" onClick={onReset}>
              Reset to defaults
            </Button>
          </div>
        </div>
      )}
    </div>
  );
}
