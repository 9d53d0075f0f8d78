"use client";

import Link from "next/link";
import { useRef, useState, type DragEvent } from "react";
import type { DocumentSummary } from "@/components/api-types";
import { documentHref, formatBytes } from "@/components/format";
import { Button } from "@/components/ui/button";
import { ProgressBar } from "@/components/ui/progress-bar";
import { describeIngest, type IngestView } from "./ingest-progress";
import { ACCEPTED_EXTENSIONS, ACCEPTED_MIME_TYPES, type UploadItem } from "./use-uploads";

const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer.types).includes("Files");

export function UploadZone({ onFiles, maxBytes }: { onFiles: (files: File[]) => void; maxBytes?: number }) {
  const inputRef = useRef<HTMLInputElement>(null);
  // dragenter/dragleave fire for every child the pointer crosses: count them so the highlight does not flicker.
  const depth = useRef(0);
  const [dragging, setDragging] = useState(false);

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    depth.current = 0;
    setDragging(false);
    if (e.dataTransfer.files.length > 0) onFiles(Array.from(e.dataTransfer.files));
  };

  return (
    <div
      data-testid="upload-dropzone"
      data-dragging={dragging || undefined}
      onDragEnter={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        depth.current += 1;
        setDragging(true);
      }}
      onDragOver={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = "copy";
      }}
      onDragLeave={() => {
        depth.current = Math.max(0, depth.current - 1);
        if (depth.current === 0) setDragging(false);
      }}
      onDrop={onDrop}
      className={`flex flex-col items-center justify-center gap-2 rounded-md border-2 border-dashed px-4 py-6 text-center transition-colors ${
        dragging ? "border-indigo-500 bg-indigo-50" : "border-slate-300 bg-white"
      }`}
    >
      <p className="text-sm text-slate-700">
        {dragging ? (
          "Drop to upload"
        ) : (
          <>
            Drop <span className="font-mono text-xs">.pdf</span> <span className="font-mono text-xs">.docx</span>{" "}
            <span className="font-mono text-xs">.txt</span> <span className="font-mono text-xs">.md</span>{" "}
            <span className="font-mono text-xs">.html</span> files here, or
          </>
        )}
      </p>
      <Button variant="primary" onClick={() => inputRef.current?.click()} aria-describedby="upload-hint">
        Choose files…
      </Button>
      <input
        ref={inputRef}
        data-testid="upload-input"
        type="file"
        multiple
        tabIndex={-1}
        aria-label="Files to upload"
        accept={[...ACCEPTED_EXTENSIONS, ...ACCEPTED_MIME_TYPES].join(",")}
        className="sr-only"
        onChange={(e) => {
          const files = Array.from(e.currentTarget.files ?? []);
          // Reset so choosing the same file again still fires a change event.
          e.currentTarget.value = "";
          if (files.length > 0) onFiles(files);
        }}
      />
      <p id="upload-hint" className="text-xs text-slate-500">
        Several at once{maxBytes ? `, up to ${formatBytes(maxBytes)} each` : ""}. Each file is uploaded, then parsed,
        chunked and embedded.
      </p>
    </div>
  );
}

/** Where one upload stands: sending bytes, then (once the server has it) the document's ingestion. */
type ItemView =
  | { kind: "uploading"; percent: number }
  | { kind: "ingesting"; ingest: IngestView; doc: DocumentSummary }
  | { kind: "stored" }
  | { kind: "error"; message: string }
  | { kind: "cancelled" };

function viewOf(it: UploadItem, docs: Map<string, DocumentSummary>): ItemView {
  if (it.status === "uploading") {
    return { kind: "uploading", percent: it.total > 0 ? Math.round((it.loaded / it.total) * 100) : 0 };
  }
  if (it.status === "error") return { kind: "error", message: it.error ?? "Upload failed." };
  if (it.status === "cancelled") return { kind: "cancelled" };
  const doc = it.documentId ? docs.get(it.documentId) : undefined;
  return doc ? { kind: "ingesting", ingest: describeIngest(doc), doc } : { kind: "stored" };
}

const isFinished = (v: ItemView) =>
  v.kind === "error" ||
  v.kind === "cancelled" ||
  (v.kind === "ingesting" && (v.ingest.phase === "ready" || v.ingest.phase === "failed"));

export function UploadList({
  items,
  documents,
  onCancel,
  onDismiss,
  onClearFinished,
}: {
  items: UploadItem[];
  documents: DocumentSummary[];
  onCancel: (key: string) => void;
  onDismiss: (key: string) => void;
  onClearFinished: (isFinished: (it: UploadItem) => boolean) => void;
}) {
  if (items.length === 0) return null;
  const docs = new Map(documents.map((d) => [d.id, d]));
  const views = items.map((it) => ({ it, view: viewOf(it, docs) }));
  const finished = views.filter((v) => isFinished(v.view)).length;
  return (
    <section
      className="rounded-md border border-slate-200 bg-white"
      data-testid="upload-list"
      aria-labelledby="uploads-title"
    >
      <div className="flex items-center border-b border-slate-200 px-3 py-1.5">
        <h2 id="uploads-title" className="text-xs font-semibold uppercase tracking-wide text-slate-600">
          Uploads
        </h2>
        <span className="ml-2 font-mono text-xs text-slate-500">
          {finished}/{items.length} finished
        </span>
        <Button
          size="sm"
          variant="ghost"
          className="ml-auto"
          disabled={finished === 0}
          onClick={() => onClearFinished((it) => isFinished(viewOf(it, docs)))}
        >
          Clear finished
        </Button>
      </div>
      <ul className="divide-y divide-slate-100">
        {views.map(({ it, view }) => (
          <UploadRow key={it.key} it={it} view={view} onCancel={onCancel} onDismiss={onDismiss} />
        ))}
      </ul>
    </section>
  );
}

function UploadRow({
  it,
  view,
  onCancel,
  onDismiss,
}: {
  it: UploadItem;
  view: ItemView;
  onCancel: (key: string) => void;
  onDismiss: (key: string) => void;
}) {
  const phase = view.kind === "ingesting" ? view.ingest.phase : view.kind;
  let line: string;
  let tone: "indigo" | "green" | "red" | "gray" = "indigo";
  let fraction = 0;
  switch (view.kind) {
    case "uploading":
      line = `Uploading ${view.percent}%`;
      fraction = view.percent / 100;
      break;
    case "stored":
      line = it.duplicate ? "" : "Uploaded, waiting for ingestion";
      break;
    case "ingesting":
      line = `${view.ingest.phase === "failed" ? "Failed: " : ""}${view.ingest.label}`;
      fraction = view.ingest.fraction;
      tone = view.ingest.phase === "ready" ? "green" : view.ingest.phase === "failed" ? "red" : "indigo";
      break;
    case "cancelled":
      line = "Cancelled";
      tone = "gray";
      break;
    case "error":
      line = view.message;
      tone = "red";
  }
  const textTone =
    tone === "green"
      ? "text-emerald-700"
      : tone === "red"
        ? "text-red-700"
        : tone === "gray"
          ? "text-slate-500"
          : "text-slate-600";
  return (
    <li
      data-testid="upload-item"
      data-status={it.status}
      data-phase={phase}
      data-name={it.name}
      className="grid grid-cols-[minmax(0,1fr)_auto] items-center gap-x-3 gap-y-1 px-3 py-2"
    >
      <div className="flex min-w-0 items-center gap-2">
        {view.kind === "ingesting" ? (
          <Link
            href={documentHref(view.doc.id)}
            className="truncate rounded font-medium text-indigo-700 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-500"
            title={it.name}
          >
            {it.name}
          </Link>
        ) : (
          <span className="truncate font-medium" title={it.name}>
            {it.name}
          </span>
        )}
        <span className="shrink-0 font-mono text-xs text-slate-500">{formatBytes(it.size)}</span>
      </div>
      <div className="flex items-center gap-2">
        {view.kind === "uploading" && (
          <Button size="sm" variant="ghost" onClick={() => onCancel(it.key)} aria-label={`Cancel upload of ${it.name}`}>
            Cancel
          </Button>
        )}
        {(view.kind === "error" || view.kind === "cancelled") && (
          <Button size="sm" variant="ghost" onClick={() => onDismiss(it.key)} aria-label={`Dismiss ${it.name}`}>
            Dismiss
          </Button>
        )}
      </div>
      {view.kind !== "error" && view.kind !== "cancelled" && (
        <ProgressBar
          className="col-span-2"
          value={fraction}
          max={1}
          tone={tone}
          label={view.kind === "uploading" ? `Uploading ${it.name}` : `Ingesting ${it.name}`}
        />
      )}
      <p
        data-testid={view.kind === "error" ? "upload-error" : "upload-stage"}
        role={view.kind === "error" ? "alert" : undefined}
        className={`col-span-2 break-words text-xs ${textTone}`}
      >
        {it.duplicate && (
          <span data-testid="upload-duplicate" className="font-medium">
            Already uploaded{line ? " · " : ""}
          </span>
        )}
        {view.kind === "ingesting" && view.ingest.phase === "ready" && <span aria-hidden="true">✓ </span>}
        {line}
      </p>
    </li>
  );
}
