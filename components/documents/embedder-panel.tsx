"use client";

import { useQuery } from "@tanstack/react-query";
import type { EmbedderStatus } from "@/lib/models/embedder-set";
import { fetchJson } from "@/components/fetch-json";
import { Panel } from "@/components/ui/panel";
import { ProgressBar } from "@/components/ui/progress-bar";

/** The embedder serving queries and, during a switch, the re-embedding's progress (polled while it runs). */
export function EmbedderPanel() {
  const status = useQuery({
    queryKey: ["models", "embedder"],
    queryFn: () => fetchJson<EmbedderStatus>("/api/models/embedder"),
    refetchInterval: (query) => (query.state.data?.target ? 2000 : false),
  });
  const s = status.data;
  return (
    <Panel title="Embedder" aria-label="Embedder">
      <div className="flex flex-col gap-2 px-3 py-2 text-xs text-slate-700">
        {status.isPending ? (
          <p className="text-slate-500">Loading…</p>
        ) : status.isError ? (
          <p role="alert" className="text-red-700">
            Could not load the embedder: {status.error.message}
          </p>
        ) : s ? (
          <>
            <p>
              <span className="text-slate-500">Serving: </span>
              <span className="font-mono">{s.active.modelId}</span> · {s.active.dimension}-d · {s.active.source}
            </p>
            {s.denseUnavailable && (
              <p role="alert" className="text-amber-800">
                Dense retrieval is off (keyword search still works): {s.denseUnavailable}
              </p>
            )}
            {s.target && (
              <div className="flex flex-col gap-1">
                <p>
                  <span className="text-slate-500">Re-embedding with: </span>
                  <span className="font-mono">{s.target.modelId}</span> · {s.target.dimension}-d · {s.target.embedded} /{" "}
                  {s.target.total} chunks
                  {s.target.running ? "" : " (waiting)"}
                </p>
                <ProgressBar
                  value={s.target.embedded}
                  max={s.target.total}
                  label={`Re-embedding with ${s.target.modelId}`}
                />
                {s.target.lastError && (
                  <p role="alert" className="text-red-700">
                    Last error: {s.target.lastError}
                  </p>
                )}
              </div>
            )}
          </>
        ) : null}
      </div>
    </Panel>
  );
}
