"use client";

import type { DocumentSummary } from "@/components/api-types";
import { Panel } from "@/components/ui/panel";
import { DocumentsTable } from "./documents-table";
import { EmbedderPanel } from "./embedder-panel";
import { UploadList, UploadZone } from "./upload-zone";
import { useDocuments } from "./use-documents";
import { useUploads } from "./use-uploads";

function summary(docs: DocumentSummary[]) {
  const by = (s: DocumentSummary["status"]) => docs.filter((d) => d.status === s).length;
  const chunks = docs.reduce((n, d) => n + (d.chunkCount ?? 0), 0);
  return { ready: by("ready"), active: by("queued") + by("processing"), failed: by("failed"), chunks };
}

export function DocumentsView() {
  const documents = useDocuments();
  const uploads = useUploads();
  const docs = documents.data ?? [];
  const s = summary(docs);

  return (
    <div className="flex flex-col gap-4">
      <div className="flex items-baseline gap-3">
        <h1 className="text-lg font-semibold">Documents</h1>
        <span className="font-mono text-xs text-slate-500">
          {docs.length} docs · {s.ready} ready · {s.active} in progress · {s.failed} failed · {s.chunks} chunks
        </span>
      </div>
      <div className="grid grid-cols-1 gap-4 lg:grid-cols-[360px_minmax(0,1fr)]">
        <div className="flex flex-col gap-3">
          <UploadZone onFiles={uploads.upload} />
          <UploadList
            items={uploads.items}
            onCancel={uploads.cancel}
            onDismiss={uploads.dismiss}
            onClearFinished={uploads.clearFinished}
          />
          <EmbedderPanel />
        </div>
        <Panel
          title="Library"
          actions={documents.isFetching ? <span className="text-xs text-slate-400">refreshing…</span> : undefined}
        >
          {documents.isPending ? (
            <p className="px-3 py-8 text-center text-slate-500">Loading documents…</p>
          ) : documents.isError ? (
            <p className="px-3 py-8 text-center text-red-700" role="alert">
              Could not load documents: {documents.error.message}
            </p>
          ) : (
            <DocumentsTable documents={docs} />
          )}
        </Panel>
      </div>
    </div>
  );
}
