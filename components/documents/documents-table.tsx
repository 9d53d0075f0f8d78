"use client";

import Link from "next/link";
import { useState } from "react";
import type { DocumentSummary, Me } from "@/components/api-types";
import { useMe } from "@/components/auth/use-me";
import { documentHref, formatBytes } from "@/components/format";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ProgressBar } from "@/components/ui/progress-bar";
import { ConfirmDialog } from "./confirm-dialog";
import { describeIngest } from "./ingest-progress";
import { formatUploaded, type SortKey, type SortState } from "./sort-documents";
import { StatusBadge } from "./status-badge";
import { isReingesting, useDeleteDocument, useReingestDocument, useShareDocument } from "./use-documents";

function typeLabel(doc: DocumentSummary): string {
  const ext = doc.name.includes(".") ? doc.name.slice(doc.name.lastIndexOf(".") + 1) : "";
  return (ext || doc.type || "").toLowerCase();
}

type Viewer = { me: Me } | "loading" | "unknown";

/** Shown before each value when the table is laid out as cards (narrow screens), where the header row is hidden. */
function CardLabel({ children }: { children: string }) {
  return <span className="block text-[11px] uppercase tracking-wide text-slate-500 md:hidden">{children}</span>;
}

// Below md the table is laid out as one card per document (rows become grids, the header row is kept
// for screen readers only); from md up it is an ordinary table.
const cell = "block px-0 py-0 md:table-cell md:px-3 md:py-2";

export function DocumentsTable({
  documents,
  sort,
  onSort,
  onDeleted,
}: {
  documents: DocumentSummary[];
  sort: SortState;
  onSort: (key: SortKey) => void;
  onDeleted: (name: string) => void;
}) {
  const me = useMe();
  // Until /api/me answers, ownership is unknown: hide delete and sharing rather than flash them on
  // documents that turn out to be someone else's. If /api/me fails, fall back to showing delete (the server decides).
  const viewer: Viewer = me.data ? { me: me.data } : me.isError ? "unknown" : "loading";
  const header = (key: SortKey | null, label: string, className = "") => {
    const active = key !== null && sort.key === key;
    return (
      <th
        scope="col"
        className={`px-3 py-2 font-medium ${className}`}
        aria-sort={active ? (sort.dir === "asc" ? "ascending" : "descending") : undefined}
      >
        {key === null ? (
          label
        ) : (
          <button
            type="button"
            onClick={() => onSort(key)}
            data-testid={`sort-${key}`}
            className="inline-flex items-center gap-1 rounded uppercase tracking-wide hover:text-slate-900 focus-visible:outline-2 focus-visible:outline-indigo-500"
          >
            {label}
            <span aria-hidden="true" className={active ? "text-slate-700" : "text-slate-300"}>
              {active && sort.dir === "asc" ? "▲" : "▼"}
            </span>
          </button>
        )}
      </th>
    );
  };
  return (
    // Wide tables (long names, many workspaces) scroll inside the panel, never the page.
    <div className="overflow-x-auto" data-testid="documents-table-scroller">
      <table className="block w-full border-collapse text-left md:table" data-testid="documents-table">
        <caption className="sr-only">Your documents and the documents shared with you</caption>
        <thead className="sr-only bg-slate-50 text-xs uppercase tracking-wide text-slate-500 md:not-sr-only md:table-header-group">
          <tr>
            {header("name", "Name")}
            {header(null, "Type")}
            {header("size", "Size", "text-right")}
            {header("uploaded", "Uploaded")}
            {header("status", "Status", "w-44")}
            {header("chunks", "Chunks", "text-right")}
            {header(null, "Access")}
            <th scope="col" className="px-3 py-2 font-medium">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody className="block divide-y divide-slate-100 md:table-row-group">
          {documents.map((doc) => (
            <DocumentRow key={doc.id} doc={doc} viewer={viewer} onDeleted={onDeleted} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function DocumentRow({
  doc,
  viewer,
  onDeleted,
}: {
  doc: DocumentSummary;
  viewer: Viewer;
  onDeleted: (name: string) => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const del = useDeleteDocument();
  const reingest = useReingestDocument();
  const reingesting = isReingesting(doc);
  const ingest = describeIngest(doc);
  const mine = typeof viewer === "object" ? doc.ownerId === viewer.me.user.id : viewer === "unknown";
  const settledPhase = ingest.phase === "ready" || ingest.phase === "failed";
  const uploaded = formatUploaded(doc.createdAt);

  return (
    <tr
      data-testid="document-row"
      data-document-id={doc.id}
      data-name={doc.name}
      data-status={doc.status}
      data-phase={ingest.phase}
      className="grid grid-cols-4 gap-x-3 gap-y-2 px-3 py-3 align-top hover:bg-slate-50/70 md:table-row md:p-0"
    >
      <td className={`${cell} col-span-4 min-w-0 md:max-w-xs`}>
        <Link
          href={documentHref(doc.id)}
          className="block truncate rounded font-medium text-indigo-700 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-500"
          data-testid="document-link"
          title={doc.name}
        >
          {doc.name}
        </Link>
        {doc.error && (doc.status === "failed" || !reingesting) && (
          <p className="mt-1 break-words text-xs text-red-700" data-testid="document-error">
            {doc.status === "ready" ? `Last re-ingest failed (this version is kept): ${doc.error}` : doc.error}
          </p>
        )}
      </td>
      <td className={`${cell} order-2 font-mono text-xs text-slate-600`}>
        <CardLabel>Type</CardLabel>
        {typeLabel(doc)}
      </td>
      <td className={`${cell} order-2 whitespace-nowrap font-mono text-xs text-slate-600 md:text-right`}>
        <CardLabel>Size</CardLabel>
        {formatBytes(doc.size)}
      </td>
      <td className={`${cell} order-2 text-xs text-slate-600 md:whitespace-nowrap`}>
        <CardLabel>Uploaded</CardLabel>
        <time dateTime={doc.createdAt} title={uploaded.full} data-testid="document-uploaded">
          {uploaded.short}
        </time>
      </td>
      <td className={`${cell} order-1 col-span-4 md:w-44`}>
        <div className="flex flex-wrap items-center gap-x-2 gap-y-1 md:flex-col md:items-stretch">
          <div>
            <StatusBadge phase={ingest.phase} />
          </div>
          {settledPhase ? null : (
            <>
              <ProgressBar
                className="order-last basis-full md:order-none"
                value={ingest.fraction}
                max={1}
                label={`Ingest progress of ${doc.name}`}
              />
              <span className="font-mono text-[11px] text-slate-500" data-testid="document-progress">
                {ingest.label}
              </span>
            </>
          )}
        </div>
      </td>
      <td className={`${cell} order-2 font-mono text-xs md:text-right`}>
        <CardLabel>Chunks</CardLabel>
        <span data-testid="document-chunks">{doc.chunkCount}</span>
      </td>
      <td className={`${cell} order-3 col-span-2`}>
        <AccessCell doc={doc} viewer={viewer} mine={mine} />
      </td>
      <td className={`${cell} order-3 col-span-2 text-right md:whitespace-nowrap`}>
        {mine && (
          <span className="inline-flex flex-wrap items-center justify-end gap-1 md:flex-nowrap">
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
            <Button
              size="sm"
              variant="danger"
              data-testid="document-delete"
              aria-label={`Delete ${doc.name}`}
              onClick={() => {
                del.reset();
                setConfirming(true);
              }}
            >
              Delete
            </Button>
          </span>
        )}
        <ConfirmDialog
          open={confirming}
          title="Delete this document?"
          confirmLabel="Delete"
          pendingLabel="Deleting…"
          pending={del.isPending}
          error={del.isError ? del.error.message : undefined}
          testId="document-delete-dialog"
          confirmTestId="document-delete-confirm"
          onCancel={() => setConfirming(false)}
          // mutateAsync, not mutate's callbacks: those never run once the deleted row has unmounted.
          onConfirm={() =>
            del.mutateAsync(doc.id).then(
              () => onDeleted(doc.name),
              () => {},
            )
          }
        >
          <p>
            <span className="break-all font-medium text-slate-900">{doc.name}</span> and its {doc.chunkCount} chunk
            {doc.chunkCount === 1 ? "" : "s"} will be removed. Answers that cited it keep their scores, with its text
            removed. This cannot be undone.
          </p>
        </ConfirmDialog>
        {reingest.isError && (
          <p className="mt-1 whitespace-normal text-xs text-red-700" role="alert">
            {reingest.error.message}
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
    <div className="flex flex-wrap items-center gap-1 md:flex-col md:items-start">
      <CardLabel>Access</CardLabel>
      {doc.workspaceId ? (
        <Badge tone="blue" data-testid="document-shared">
          Shared: {current?.name ?? "a workspace"}
        </Badge>
      ) : workspaces.length === 0 ? (
        <span className="text-xs text-slate-500">Private</span>
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
