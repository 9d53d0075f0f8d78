"use client";

import Link from "next/link";
import { useState } from "react";
import type { DocumentSummary, Me } from "@/components/api-types";
import { useMe } from "@/components/auth/use-me";
import { documentHref, formatBytes } from "@/components/format";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ProgressBar } from "@/components/ui/progress-bar";
import { StatusBadge } from "./status-badge";
import { isReingesting, useDeleteDocument, useReingestDocument, useShareDocument } from "./use-documents";

function typeLabel(doc: DocumentSummary): string {
  const ext = doc.name.includes(".") ? doc.name.slice(doc.name.lastIndexOf(".") + 1) : "";
  return (ext || doc.type || "").toLowerCase();
}

export function DocumentsTable({ documents }: { documents: DocumentSummary[] }) {
  const me = useMe();
  // Until /api/me answers, ownership is unknown: hide delete and sharing rather than flash them on
  // documents that turn out to be someone else's. If /api/me fails, fall back to showing delete (the server decides).
  const viewer: Viewer = me.data ? { me: me.data } : me.isError ? "unknown" : "loading";
  if (documents.length === 0) {
    return (
      <p className="px-3 py-8 text-center text-slate-500" data-testid="documents-empty">
        No documents yet. Upload some to start asking questions.
      </p>
    );
  }
  return (
    <div className="relative overflow-x-auto">
      <table className="w-full border-collapse text-left" data-testid="documents-table">
        <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-500">
          <tr>
            <th className="px-3 py-2 font-medium">Name</th>
            <th className="px-3 py-2 font-medium">Type</th>
            <th className="px-3 py-2 text-right font-medium">Size</th>
            <th className="px-3 py-2 font-medium">Status</th>
            <th className="px-3 py-2 font-medium">Access</th>
            <th className="w-56 px-3 py-2 font-medium">Progress</th>
            <th className="px-3 py-2 text-right font-medium">Chunks</th>
            <th className="px-3 py-2 font-medium">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {documents.map((doc) => (
            <DocumentRow key={doc.id} doc={doc} viewer={viewer} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

type Viewer = { me: Me } | "loading" | "unknown";

function DocumentRow({ doc, viewer }: { doc: DocumentSummary; viewer: Viewer }) {
  const [confirming, setConfirming] = useState(false);
  const del = useDeleteDocument();
  const reingest = useReingestDocument();
  const reingesting = isReingesting(doc);
  const mine = typeof viewer === "object" ? doc.ownerId === viewer.me.user.id : viewer === "unknown";
  const { stage, done, total } = doc.progress ?? { stage: "", done: 0, total: 0 };
  const barTone = doc.status === "failed" ? "red" : doc.status === "ready" ? "green" : "indigo";
  const barValue = doc.status === "ready" ? 1 : done;
  const barMax = doc.status === "ready" ? 1 : total;

  return (
    <tr
      data-testid="document-row"
      data-document-id={doc.id}
      data-name={doc.name}
      data-status={doc.status}
      className="align-top hover:bg-slate-50/70"
    >
      <td className="max-w-xs px-3 py-2">
        <Link
          href={documentHref(doc.id)}
          className="block truncate font-medium text-indigo-700 hover:underline"
          data-testid="document-link"
          title={doc.name}
        >
          {doc.name}
        </Link>
        {doc.error && (doc.status === "failed" || !reingesting) && (
          <p className="mt-1 text-xs text-red-700" data-testid="document-error">
            {doc.status === "ready" ? `Last re-ingest failed (this version is kept): ${doc.error}` : doc.error}
          </p>
        )}
      </td>
      <td className="px-3 py-2 font-mono text-xs text-slate-600">{typeLabel(doc)}</td>
      <td className="whitespace-nowrap px-3 py-2 text-right font-mono text-xs text-slate-600">
        {formatBytes(doc.size)}
      </td>
      <td className="px-3 py-2">
        <StatusBadge status={doc.status} />
      </td>
      <td className="px-3 py-2">
        <AccessCell doc={doc} viewer={viewer} mine={mine} />
      </td>
      <td className="px-3 py-2">
        <div className="flex flex-col gap-1 pt-1">
          <ProgressBar value={barValue} max={barMax} tone={barTone} label={`Ingest progress of ${doc.name}`} />
          <span className="font-mono text-[11px] text-slate-500" data-testid="document-progress">
            {doc.status === "ready" && !reingesting
              ? "done"
              : `${reingesting ? "re-ingesting: " : ""}${stage || doc.status}${total > 0 ? ` ${done}/${total}` : ""}`}
          </span>
        </div>
      </td>
      <td className="px-3 py-2 text-right font-mono text-xs" data-testid="document-chunks">
        {doc.chunkCount}
      </td>
      <td className="whitespace-nowrap px-3 py-2 text-right">
        {!mine ? null : confirming ? (
          <span className="inline-flex items-center gap-1">
            <Button
              size="sm"
              variant="danger"
              data-testid="document-delete-confirm"
              disabled={del.isPending}
              onClick={() => del.mutate(doc.id, { onSettled: () => setConfirming(false) })}
            >
              {del.isPending ? "Deleting…" : "Confirm delete"}
            </Button>
            <Button size="sm" variant="ghost" onClick={() => setConfirming(false)} disabled={del.isPending}>
              Cancel
            </Button>
          </span>
        ) : (
          <span className="inline-flex items-center gap-1">
            {(doc.status === "ready" || doc.status === "failed") && (
              <Button
                size="sm"
                variant="ghost"
                data-testid="document-reingest"
                aria-label={`Re-ingest ${doc.name}`}
                disabled={reingest.isPending || reingesting}
                onClick={() => reingest.mutate(doc.id)}
              >
                {reingesting || reingest.isPending ? "Re-ingesting…" : "Re-ingest"}
              </Button>
            )}
            <Button size="sm" variant="danger" data-testid="document-delete" onClick={() => setConfirming(true)}>
              Delete
            </Button>
          </span>
        )}
        {reingest.isError && (
          <p className="mt-1 text-xs text-red-700" role="alert">
            {reingest.error.message}
          </p>
        )}
        {del.isError && (
          <p className="mt-1 text-xs text-red-700" role="alert">
            {del.error.message}
          </p>
        )}
      </td>
    </tr>
  );
}

function AccessCell({ doc, viewer, mine }: { doc: DocumentSummary; viewer: Viewer; mine: boolean }) {
  const share = useShareDocument();
  if (typeof viewer !== "object") return null;
  const { workspaces } = viewer.me;
  const current = doc.workspaceId ? workspaces.find((w) => w.id === doc.workspaceId) : undefined;
  if (!mine) {
    return (
      <Badge tone="indigo" data-testid="document-shared-with-you" title={current ? `In ${current.name}` : undefined}>
        Shared with you
      </Badge>
    );
  }
  const selectId = `share-${doc.id}`;
  return (
    <div className="flex min-w-40 flex-col items-start gap-1">
      {doc.workspaceId ? (
        <Badge tone="blue" data-testid="document-shared">
          Shared: {current?.name ?? "a workspace"}
        </Badge>
      ) : workspaces.length === 0 ? (
        <span className="text-xs text-slate-400">Private</span>
      ) : null}
      {workspaces.length > 0 && (
        <>
          <label htmlFor={selectId} className="sr-only">
            Share {doc.name}
          </label>
          <select
            id={selectId}
            data-testid="document-share"
            value={doc.workspaceId ?? ""}
            disabled={share.isPending}
            onChange={(e) => share.mutate({ id: doc.id, workspaceId: e.target.value || null })}
            className="max-w-48 rounded border border-slate-300 bg-white px-1.5 py-1 text-xs text-slate-700 focus:border-indigo-500 focus:outline-2 focus:outline-indigo-500/40 disabled:text-slate-400"
          >
            <option value="">Private</option>
            {workspaces.map((w) => (
              <option key={w.id} value={w.id}>
                {w.name}
              </option>
            ))}
            {doc.workspaceId && !current && <option value={doc.workspaceId}>(a workspace you left)</option>}
          </select>
        </>
      )}
      {share.isError && (
        <p className="text-xs text-red-700" role="alert">
          {share.error.message}
        </p>
      )}
    </div>
  );
}
