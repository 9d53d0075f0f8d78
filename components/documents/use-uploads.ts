"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useRef, useState } from "react";
import { errorMessageFrom, handleUnauthorized } from "@/components/fetch-json";
import { documentsKey } from "./use-documents";

export const ACCEPTED_EXTENSIONS = [".pdf", ".docx", ".txt", ".md", ".markdown", ".html", ".htm"] as const;
export const ACCEPTED_MIME_TYPES = [
  "application/pdf",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  "text/plain",
  "text/markdown",
  "text/html",
] as const;

export type UploadStatus = "uploading" | "done" | "error";

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

/**
 * Cheap client-side check that saves a round trip. File types are left to the server (it also looks at
 * the MIME type), whose `{ error: { message } }` is shown as it is.
 */
export function validateFile(file: File): string | null {
  if (file.size === 0) return `"${file.name}" is empty.`;
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

  const patch = useCallback((key: string, change: Partial<UploadItem>) => {
    setItems((prev) => prev.map((it) => (it.key === key ? { ...it, ...change } : it)));
  }, []);

  const uploadOne = useCallback(
    (file: File) => {
      const key = `upload-${Date.now()}-${counter++}`;
      const invalid = validateFile(file);
      const item: UploadItem = {
        key,
        name: file.name,
        size: file.size,
        loaded: 0,
        total: file.size,
        status: invalid ? "error" : "uploading",
        error: invalid ?? undefined,
      };
      setItems((prev) => [item, ...prev]);
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
        patch(key, { status: "error", error: "Upload cancelled." });
      };
      xhr.send(form);
    },
    [patch, queryClient],
  );

  const upload = useCallback((files: Iterable<File>) => Array.from(files).forEach(uploadOne), [uploadOne]);

  const cancel = useCallback((key: string) => xhrs.current.get(key)?.abort(), []);

  const dismiss = useCallback((key: string) => setItems((prev) => prev.filter((it) => it.key !== key)), []);

  const clearFinished = useCallback(() => setItems((prev) => prev.filter((it) => it.status === "uploading")), []);

  return { items, upload, cancel, dismiss, clearFinished };
}
