"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { HeadVersionSummary } from "@/lib/models/starter/head-versions";
import { fetchJson } from "@/components/fetch-json";
import { Button } from "@/components/ui/button";
import { ErrorNote } from "@/components/ui/field";
import { Panel } from "@/components/ui/panel";
import { ScrollArea } from "@/components/ui/scroll-area";

type VersionsResponse = {
  active: HeadVersionSummary | null;
  model: { id: string; version: string; headVersion: string } | null;
  versions: HeadVersionSummary[];
  canManage: boolean;
};
type ActivateResponse = {
  version: string;
  previous: string;
  model: { id: string; version: string };
  workers: { url: string; ok: boolean; error?: string }[];
};

const f4 = (x: number | undefined) => (x === undefined ? "–" : x.toFixed(4));
const signed = (x: number | undefined) => (x === undefined ? "–" : `${x >= 0 ? "+" : ""}${x.toFixed(4)}`);

/**
 * The reranker's head versions (`npm run train:reranker` installs one when it beats the active head on
 * held-out queries): the active version for everyone; for admins every version with its training
 * metrics and a roll-back button (POST /api/models/reranker/active, which rebuilds and reloads the model).
 */
export function RerankerVersions() {
  const client = useQueryClient();
  const versions = useQuery({
    queryKey: ["reranker-versions"],
    queryFn: () => fetchJson<VersionsResponse>("/api/models/reranker/versions"),
  });
  const activate = useMutation({
    mutationFn: (version: string) =>
      fetchJson<ActivateResponse>("/api/models/reranker/active", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ version }),
      }),
    onSettled: () => client.invalidateQueries({ queryKey: ["reranker-versions"] }),
  });

  const data = versions.data;
  const active = data?.active ?? null;
  return (
    <Panel title="Reranker versions" data-testid="reranker-versions" bodyClassName="px-3 py-3 flex flex-col gap-2">
      {versions.isError && <ErrorNote>{(versions.error as Error).message}</ErrorNote>}
      {data && (
        <p className="text-sm text-slate-700" data-testid="reranker-active-version">
          Active head: <code className="font-mono text-xs">{active?.version ?? "none"}</code>
          {active && <span className="text-slate-500"> · {active.trainedOn}</span>}
          {data.model && data.model.headVersion !== active?.version && (
            <span className="text-amber-700">
              {" "}
              · the model on disk was built from {data.model.headVersion}: run npm run models:build
            </span>
          )}
        </p>
      )}
      {activate.isError && <ErrorNote>{(activate.error as Error).message}</ErrorNote>}
      {activate.data && (
        <p className="text-sm text-slate-600">
          Switched {activate.data.previous} → {activate.data.version}
          {activate.data.workers.some((w) => !w.ok) &&
            `; worker not reloaded (${activate.data.workers.find((w) => !w.ok)?.error}), it loads the active version when it starts`}
        </p>
      )}
      {data?.canManage && (
        <ScrollArea label="Reranker head versions">
          <table className="w-full min-w-[44rem] text-left text-xs">
            <thead className="text-slate-500">
              <tr>
                <th className="py-1 pr-2">Version</th>
                <th className="py-1 pr-2">Created</th>
                <th className="py-1 pr-2">Trained on</th>
                <th className="py-1 pr-2">Folds</th>
                <th className="py-1 pr-2">Held-out nDCG@10</th>
                <th className="py-1 pr-2">Mean gain</th>
                <th className="py-1" />
              </tr>
            </thead>
            <tbody>
              {data.versions.map((v) => (
                <tr key={v.version} className="border-t border-slate-100 align-top">
                  <td className="py-1 pr-2 font-mono">{v.version}</td>
                  <td className="py-1 pr-2">{v.createdAt ? new Date(v.createdAt).toLocaleString() : "committed"}</td>
                  <td className="py-1 pr-2">{v.trainedOn}</td>
                  <td className="py-1 pr-2 font-mono">
                    {v.metrics?.folds.length ? v.metrics.folds.map((f) => f4(f.candidateNdcg10)).join(" ") : "–"}
                  </td>
                  <td className="py-1 pr-2 font-mono">{f4(v.metrics?.meanCandidateNdcg10)}</td>
                  <td className="py-1 pr-2 font-mono">{signed(v.metrics?.meanGain)}</td>
                  <td className="py-1 text-right">
                    {v.active ? (
                      <span className="text-slate-500">active</span>
                    ) : v.unfit ? (
                      <span className="text-slate-600" data-testid={`unfit-${v.version}`}>
                        Not usable: {v.unfit.replace(/^head \S+ /, "")}
                      </span>
                    ) : (
                      <Button
                        size="sm"
                        disabled={activate.isPending}
                        onClick={() => activate.mutate(v.version)}
                        data-testid={`rollback-${v.version}`}
                      >
                        {activate.isPending && activate.variables === v.version
                          ? "Rebuilding…"
                          : "Roll back to this version"}
                      </Button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollArea>
      )}
    </Panel>
  );
}
