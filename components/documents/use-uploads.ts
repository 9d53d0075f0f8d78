"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useRef, useState } from "react";
import { errorMessageFrom, handleUnauthorized } from "@/components/fetch-json";
import { formatBytes } from "@/components/format";
import { documentsKey, useUploadLimit } from "./use-documents";

export const ACCEPTED_EXTENSIONS = [".pdf", ".docx", ".txt", ".md", ".markdown", ".html", ".htm"] as const;
export const ACCEPTED_MIME_TYPES = [
  "application/pdf",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  "text/plain",
  "text/markdown",
  "text/html",
] as const;

export type UploadStatus = "uploading" | "done" | "error" | "cancelled";

export interface UploadItem {
  key: string;
  name: string;
  size: number;
  loaded: number;
  total: number;
  status: UploadStatus;
  error?: string;
  documentId?: string;
  /** The server already had these bytes (200 `{ id, duplicate: true }`): nothing new was stored. */
  duplicate?: boolean;
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot).toLowerCase() : "";
}

/**
 * Cheap client-side checks that save a round trip: empty, larger than the server's limit, or an
 * extension and MIME type the server never accepts. The server checks again (it also looks at the
 * bytes) and its `{ error: { message } }` is shown as it is.
 */
export function validateFile(file: File, maxBytes?: number): string | null {
  if (file.size === 0) return `"${file.name}" is empty.`;
  if (maxBytes != null && file.size > maxBytes) {
    return `"${file.name}" is ${formatBytes(file.size)}; the limit is ${formatBytes(maxBytes)}.`;
  }
  const ext = extensionOf(file.name);
  const knownExt = (ACCEPTED_EXTENSIONS as readonly string[]).includes(ext);
  const knownType = (ACCEPTED_MIME_TYPES as readonly string[]).includes(file.type);
  if (ext && !knownExt && !knownType) {
    return `Unsupported file type ${ext}: upload .pdf, .docx, .txt, .md or .html files.`;
  }
  return null;
}

let counter = 0;

/**
 * Uploads each file as its own multipart POST /api/documents. XMLHttpRequest rather than fetch because
 * only XHR reports upload progress in browsers.
 */
export function useUploads() {
  const queryClient = useQueryClient();
  const [items, setItems] = useState<UploadItem[]>([]);
  const xhrs = useRef(new Map<string, XMLHttpRequest>());
  const maxBytes = useUploadLimit();

  const patch = useCallback((key: string, change: Partial<UploadItem>) => {
    setItems((prev) => prev.map((it) => (it.key === key ? { ...it, ...change } : it)));
  }, []);

  const uploadOne = useCallback(
    (file: File) => {
      const key = `upload-${Date.now()}-${counter++}`;
      const invalid = validateFile(file, maxBytes);
      const item: UploadItem = {
        key,
        name: file.name,
        size: file.size,
        loaded: 0,
        total: file.size,
        status: invalid ? "error" : "uploading",
        error: invalid ?? undefined,
      };
      // In the order the files were dropped or chosen.
      setItems((prev) => [...prev, item]);
      if (invalid) return;

      const form = new FormData();
      form.append("file", file, file.name);
      const xhr = new XMLHttpRequest();
      xhrs.current.set(key, xhr);
      xhr.open("POST", "/api/documents");
      xhr.setRequestHeader("accept", "application/json");
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable) patch(key, { loaded: e.loaded, total: e.total });
      };
      xhr.onload = () => {
        xhrs.current.delete(key);
        let body: unknown = null;
        try {
          body = JSON.parse(xhr.responseText);
        } catch {
          // Non-JSON body: fall back to the status line below.
        }
        if (xhr.status >= 200 && xhr.status < 300) {
          const { id, duplicate } = (body as { id?: string; duplicate?: boolean } | null) ?? {};
          setItems((prev) =>
            prev.map((it) =>
              it.key === key
                ? { ...it, status: "done", loaded: it.total, documentId: id, duplicate: duplicate === true }
                : it,
            ),
          );
          void queryClient.invalidateQueries({ queryKey: documentsKey });
        } else {
          handleUnauthorized("/api/documents", xhr.status);
          patch(key, { status: "error", error: errorMessageFrom(body, xhr.status, xhr.statusText) });
        }
      };
      xhr.onerror = () => {
        xhrs.current.delete(key);
        patch(key, { status: "error", error: "Network error: the upload did not reach the server." });
      };
      xhr.onabort = () => {
        xhrs.current.delete(key);
        patch(key, { status: "cancelled" });
      };
      xhr.send(form);
    },
    [patch, queryClient, maxBytes],
  );

  const upload = useCallback((files: Iterable<File>) => Array.from(files).forEach(uploadOne), [uploadOne]);

  const cancel = useCallback((key: string) => xhrs.current.get(key)?.abort(), []);

  const dismiss = useCallback((key: string) => setItems((prev) => prev.filter((it) => it.key !== key)), []);

  const clearFinished = useCallback(
    (isFinished: (it: UploadItem) => boolean) => setItems((prev) => prev.filter((it) => !isFinished(it))),
    [],
  );

  return { items, upload, cancel, dismiss, clearFinished };
}
