"use client";

import { useRef, useState, type DragEvent } from "react";
import { formatBytes } from "@/components/format";
import { Button } from "@/components/ui/button";
import { ProgressBar } from "@/components/ui/progress-bar";
import { ACCEPTED_EXTENSIONS, ACCEPTED_MIME_TYPES, type UploadItem } from "./use-uploads";

export function UploadZone({ onFiles }: { onFiles: (files: File[]) => void }) {
  const inputRef = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    if (e.dataTransfer.files.length > 0) onFiles(Array.from(e.dataTransfer.files));
  };

  return (
    <div
      data-testid="upload-dropzone"
      onDragOver={(e) => {
        e.preventDefault();
        e.dataTransfer.dropEffect = "copy";
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
      className={`flex flex-col items-center justify-center gap-2 rounded-md border-2 border-dashed px-4 py-6 text-center transition-colors ${
        dragging ? "border-indigo-500 bg-indigo-50" : "border-slate-300 bg-white"
      }`}
    >
      <p className="text-sm text-slate-700">
        Drop <span className="font-mono text-xs">.pdf</span> <span className="font-mono text-xs">.docx</span>{" "}
        <span className="font-mono text-xs">.txt</span> <span className="font-mono text-xs">.md</span>{" "}
        <span className="font-mono text-xs">.html</span> files here, or
      </p>
      <Button variant="primary" onClick={() => inputRef.current?.click()}>
        Choose files…
      </Button>
      <input
        ref={inputRef}
        data-testid="upload-input"
        type="file"
        multiple
        accept={[...ACCEPTED_EXTENSIONS, ...ACCEPTED_MIME_TYPES].join(",")}
        className="sr-only"
        onChange={(e) => {
          const files = Array.from(e.currentTarget.files ?? []);
          // Reset so choosing the same file again still fires a change event.
          e.currentTarget.value = "";
          if (files.length > 0) onFiles(files);
        }}
      />
      <p className="text-xs text-slate-400">Each file is uploaded separately, then parsed, chunked and embedded.</p>
    </div>
  );
}

export function UploadList({
  items,
  onCancel,
  onDismiss,
  onClearFinished,
}: {
  items: UploadItem[];
  onCancel: (key: string) => void;
  onDismiss: (key: string) => void;
  onClearFinished: () => void;
}) {
  if (items.length === 0) return null;
  return (
    <div className="rounded-md border border-slate-200 bg-white" data-testid="upload-list">
      <div className="flex items-center border-b border-slate-200 px-3 py-1.5">
        <span className="text-xs font-semibold uppercase tracking-wide text-slate-600">Uploads</span>
        <Button size="sm" variant="ghost" className="ml-auto" onClick={onClearFinished}>
          Clear finished
        </Button>
      </div>
      <ul className="divide-y divide-slate-100">
        {items.map((it) => (
          <li
            key={it.key}
            data-testid="upload-item"
            data-status={it.status}
            data-name={it.name}
            className="grid grid-cols-[minmax(0,1fr)_auto] items-center gap-x-3 gap-y-1 px-3 py-2"
          >
            <div className="flex min-w-0 items-center gap-2">
              <span className="truncate font-medium">{it.name}</span>
              <span className="shrink-0 font-mono text-xs text-slate-500">{formatBytes(it.size)}</span>
            </div>
            <div className="flex items-center gap-2">
              {it.status === "uploading" && (
                <>
                  <span className="font-mono text-xs text-slate-500">
                    {it.total > 0 ? Math.round((it.loaded / it.total) * 100) : 0}%
                  </span>
                  <Button size="sm" variant="ghost" onClick={() => onCancel(it.key)}>
                    Cancel
                  </Button>
                </>
              )}
              {it.status === "done" &&
                (it.duplicate ? (
                  <span data-testid="upload-duplicate" className="text-xs font-medium text-slate-600">
                    Already uploaded
                  </span>
                ) : (
                  <span className="text-xs font-medium text-emerald-700">Uploaded</span>
                ))}
              {it.status === "error" && (
                <Button size="sm" variant="ghost" onClick={() => onDismiss(it.key)} aria-label={`Dismiss ${it.name}`}>
                  Dismiss
                </Button>
              )}
            </div>
            {it.status === "uploading" && (
              <ProgressBar className="col-span-2" value={it.loaded} max={it.total} label={`Uploading ${it.name}`} />
            )}
            {it.status === "error" && (
              <p role="alert" data-testid="upload-error" className="col-span-2 text-xs text-red-700">
                {it.error}
              </p>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
