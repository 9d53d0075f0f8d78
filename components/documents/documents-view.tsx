"use client";

import { useRef, useState } from "react";
import type { DocumentSummary } from "@/components/api-types";
import { Button } from "@/components/ui/button";
import { Panel } from "@/components/ui/panel";
import { DocumentsTable } from "./documents-table";
import { EmbedderPanel } from "./embedder-panel";
import { describeIngest } from "./ingest-progress";
import { DEFAULT_SORT, filterAndSort, nextSort, type SortKey, type SortState } from "./sort-documents";
import { UploadList, UploadZone } from "./upload-zone";
import { useDocuments, useUploadLimit } from "./use-documents";
import { useUploads } from "./use-uploads";

function summary(docs: DocumentSummary[]) {
  const phases = docs.map((d) => describeIngest(d).phase);
  const by = (...p: string[]) => phases.filter((x) => p.includes(x)).length;
  const chunks = docs.reduce((n, d) => n + (d.chunkCount ?? 0), 0);
  return { ready: by("ready"), active: by("queued", "processing", "reingesting"), failed: by("failed"), chunks };
}

// The sort menu for narrow screens, where the column headers are not shown.
const sortOptions: { value: string; label: string; sort: SortState }[] = [
  { value: "uploaded-desc", label: "Newest first", sort: { key: "uploaded", dir: "desc" } },
  { value: "uploaded-asc", label: "Oldest first", sort: { key: "uploaded", dir: "asc" } },
  { value: "name-asc", label: "Name A–Z", sort: { key: "name", dir: "asc" } },
  { value: "name-desc", label: "Name Z–A", sort: { key: "name", dir: "desc" } },
  { value: "size-desc", label: "Largest first", sort: { key: "size", dir: "desc" } },
  { value: "size-asc", label: "Smallest first", sort: { key: "size", dir: "asc" } },
  { value: "chunks-desc", label: "Most chunks", sort: { key: "chunks", dir: "desc" } },
  { value: "chunks-asc", label: "Fewest chunks", sort: { key: "chunks", dir: "asc" } },
  { value: "status-asc", label: "Status: failed first", sort: { key: "status", dir: "asc" } },
  { value: "status-desc", label: "Status: ready first", sort: { key: "status", dir: "desc" } },
];

const controlClass =
  "rounded border border-slate-300 bg-white px-2 py-1 text-sm text-slate-800 placeholder:text-slate-400 focus:border-indigo-500 focus:outline-2 focus:outline-indigo-500/40";

export function DocumentsView() {
  const documents = useDocuments();
  const maxUploadBytes = useUploadLimit();
  const uploads = useUploads();
  const [query, setQuery] = useState("");
  const [sort, setSort] = useState<SortState>(DEFAULT_SORT);
  const [announcement, setAnnouncement] = useState("");
  const filterRef = useRef<HTMLInputElement>(null);
  const docs = documents.data ?? [];
  const s = summary(docs);
  const shown = filterAndSort(docs, query, sort);

  const onDeleted = (name: string) => {
    setAnnouncement(`Deleted ${name}.`);
    // The row and its buttons are gone: continue from the top of the library.
    filterRef.current?.focus();
  };

  return (
    <div className="flex min-w-0 flex-col gap-4">
      <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
        <h1 className="text-lg font-semibold">Documents</h1>
        <span className="font-mono text-xs text-slate-500" data-testid="documents-summary">
          {docs.length} docs · {s.ready} ready · {s.active} in progress · {s.failed} failed · {s.chunks} chunks
        </span>
      </div>
      <p className="sr-only" role="status" aria-live="polite" data-testid="documents-announcement">
        {announcement}
      </p>
      <div className="grid min-w-0 grid-cols-1 gap-4 lg:grid-cols-[360px_minmax(0,1fr)]">
        <div className="flex min-w-0 flex-col gap-3">
          <UploadZone onFiles={uploads.upload} maxBytes={maxUploadBytes} />
          <UploadList
            items={uploads.items}
            documents={docs}
            onCancel={uploads.cancel}
            onDismiss={uploads.dismiss}
            onClearFinished={uploads.clearFinished}
          />
          <EmbedderPanel />
        </div>
        <Panel
          title="Library"
          className="min-w-0"
          aria-label="Library"
          actions={documents.isFetching ? <span className="text-xs text-slate-500">refreshing…</span> : undefined}
        >
          <div className="flex flex-wrap items-center gap-2 border-b border-slate-100 px-3 py-2">
            <label htmlFor="documents-filter" className="sr-only">
              Filter documents by name
            </label>
            <input
              ref={filterRef}
              id="documents-filter"
              type="search"
              data-testid="documents-filter"
              placeholder="Filter by name…"
              value={query}
              onChange={(e) => setQuery(e.target.value)}
              className={`${controlClass} min-w-0 flex-1 basis-48`}
            />
            <label htmlFor="documents-sort" className="text-xs text-slate-500 md:sr-only">
              Sort
            </label>
            <select
              id="documents-sort"
              data-testid="documents-sort"
              value={`${sort.key}-${sort.dir}`}
              onChange={(e) => setSort(sortOptions.find((o) => o.value === e.target.value)?.sort ?? DEFAULT_SORT)}
              className={`${controlClass} md:hidden`}
            >
              {sortOptions.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
            {docs.length > 0 && (
              <span
                className="ml-auto font-mono text-xs text-slate-500"
                data-testid="documents-count"
                aria-live="polite"
              >
                {query.trim() ? `${shown.length} of ${docs.length} shown` : `${docs.length} documents`}
              </span>
            )}
          </div>
          {documents.isPending ? (
            <p className="px-3 py-8 text-center text-slate-500">Loading documents…</p>
          ) : documents.isError ? (
            <p className="px-3 py-8 text-center text-red-700" role="alert">
              Could not load documents: {documents.error.message}
            </p>
          ) : docs.length === 0 ? (
            <p className="px-3 py-8 text-center text-slate-500" data-testid="documents-empty">
              No documents yet. Upload some to start asking questions.
            </p>
          ) : shown.length === 0 ? (
            <div className="flex flex-col items-center gap-2 px-3 py-8 text-center" data-testid="documents-no-match">
              <p className="text-slate-600">
                No documents match <span className="font-medium text-slate-900">“{query.trim()}”</span>.
              </p>
              <Button
                size="sm"
                onClick={() => {
                  setQuery("");
                  filterRef.current?.focus();
                }}
              >
                Clear filter
              </Button>
            </div>
          ) : (
            <DocumentsTable
              documents={shown}
              sort={sort}
              onSort={(key: SortKey) => setSort((current) => nextSort(current, key))}
              onDeleted={onDeleted}
            />
          )}
        </Panel>
      </div>
    </div>
  );
}
