"use client";

import { useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState, type ReactNode } from "react";
import type { DocumentContent } from "@/components/api-types";
import { ApiError } from "@/components/fetch-json";
import { documentHref, formatBytes } from "@/components/format";
import { Badge } from "@/components/ui/badge";
import { Panel } from "@/components/ui/panel";
import { ProgressBar } from "@/components/ui/progress-bar";
import { describeIngest } from "./ingest-progress";
import { formatUploaded } from "./sort-documents";
import { StatusBadge } from "./status-badge";
import { documentContentKey, isActive, useDocumentContent, useDocumentDetails } from "./use-documents";

type Chunk = DocumentContent["chunks"][number] & { page?: number };

const backLink = (
  <Link
    href="/documents"
    className="rounded text-xs text-slate-600 hover:text-slate-900 focus-visible:outline-2 focus-visible:outline-indigo-500"
    data-testid="document-back"
  >
    ← Documents
  </Link>
);

export function DocumentContentView({ id, chunkId }: { id: string; chunkId: number | null }) {
  const details = useDocumentDetails(id);
  const content = useDocumentContent(id);
  const queryClient = useQueryClient();
  const router = useRouter();
  const markRef = useRef<HTMLElement>(null);
  const listRef = useRef<HTMLOListElement>(null);

  // When (re-)ingestion finishes the chunks have changed: fetch the text and offsets again.
  const active = details.data ? isActive(details.data) : false;
  const wasActive = useRef(active);
  useEffect(() => {
    if (wasActive.current && !active) void queryClient.invalidateQueries({ queryKey: documentContentKey(id) });
    wasActive.current = active;
  }, [active, id, queryClient]);

  const data = content.data;
  const chunk = chunkId == null ? undefined : data?.chunks.find((c) => c.chunkId === chunkId);

  useEffect(() => {
    if (!chunk) return;
    // The chunk list scrolls inside its own box: bring the cited chunk into it without moving the page,
    // then the page to the cited passage in the text.
    const list = listRef.current;
    const item = list?.querySelector<HTMLElement>(`[data-chunk-id="${chunk.chunkId}"]`);
    if (list && item && list.scrollHeight > list.clientHeight) {
      list.scrollTop += item.getBoundingClientRect().top - list.getBoundingClientRect().top - 8;
    }
    // Its start, below the sticky navigation (the mark's scroll margin).
    markRef.current?.scrollIntoView({ block: "start" });
  }, [chunk]);

  const notFound =
    (content.error instanceof ApiError && content.error.status === 404) ||
    (details.error instanceof ApiError && details.error.status === 404);
  if (notFound) {
    return (
      <div className="flex flex-col items-start gap-3" data-testid="document-not-found">
        {backLink}
        <Panel className="w-full" bodyClassName="flex flex-col items-center gap-2 px-4 py-10 text-center">
          <h1 className="text-lg font-semibold text-slate-900">This document is not available</h1>
          <p className="max-w-md text-slate-600">
            Could not load this document: Document not found. It may have been deleted, or it belongs to someone who has
            not shared it with you.
          </p>
          <Link
            href="/documents"
            className="rounded font-medium text-indigo-700 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-500"
          >
            Back to your documents
          </Link>
        </Panel>
      </div>
    );
  }
  if (content.isPending) return <p className="py-8 text-center text-slate-500">Loading document…</p>;
  if (content.isError) {
    return (
      <div className="flex flex-col items-start gap-3 py-8" role="alert">
        {backLink}
        <p className="text-red-700">Could not load this document: {content.error.message}</p>
      </div>
    );
  }

  const text = data!.text ?? "";
  const start = chunk ? Math.max(0, Math.min(text.length, chunk.charStart)) : 0;
  const end = chunk ? Math.max(start, Math.min(text.length, chunk.charEnd)) : 0;
  const chunks = data!.chunks as Chunk[];
  const d = details.data;
  const ingest = d ? describeIngest(d) : undefined;

  return (
    <div className="flex min-w-0 flex-col gap-3">
      <div className="flex min-w-0 flex-wrap items-baseline gap-x-3 gap-y-1">
        {backLink}
        <h1 className="min-w-0 break-all text-lg font-semibold" data-testid="document-title">
          {data!.name}
        </h1>
        {chunkId != null && !chunk && <Badge tone="amber">chunk {chunkId} is not part of this document</Badge>}
      </div>

      <Panel aria-label="Document details" data-testid="document-meta">
        <dl className="grid grid-cols-2 gap-x-4 gap-y-2 px-3 py-2 text-xs sm:grid-cols-3 lg:grid-cols-6">
          <Meta label="Status">{ingest ? <StatusBadge phase={ingest.phase} /> : "…"}</Meta>
          <Meta label="Type">
            <span className="font-mono">{data!.type}</span>
          </Meta>
          <Meta label="Size">{d ? formatBytes(d.size) : "…"}</Meta>
          <Meta label="Chunks">
            <span data-testid="document-chunk-count">{chunks.length}</span> · {text.length.toLocaleString()} chars
          </Meta>
          <Meta label="Chunking">{d?.chunking ? `${d.chunking.size} tokens, overlap ${d.chunking.overlap}` : "…"}</Meta>
          <Meta label="Uploaded">
            {d ? <time dateTime={d.createdAt}>{formatUploaded(d.createdAt).full}</time> : "…"}
          </Meta>
        </dl>
        {ingest && ingest.phase !== "ready" && (
          <div
            className="flex flex-col gap-1 border-t border-slate-100 px-3 py-2 text-xs"
            data-testid="document-ingest"
          >
            {ingest.phase === "failed" ? (
              <p role="alert" className="text-red-700">
                Ingestion failed: {ingest.label}
              </p>
            ) : (
              <>
                <ProgressBar value={ingest.fraction} max={1} label={`Ingest progress of ${data!.name}`} />
                <span className="font-mono text-slate-500">{ingest.label}</span>
              </>
            )}
          </div>
        )}
        {d?.error && d.status === "ready" && !active && (
          <p className="border-t border-slate-100 px-3 py-2 text-xs text-red-700">
            Last re-ingest failed (this version is kept): {d.error}
          </p>
        )}
      </Panel>

      <div className="grid min-w-0 grid-cols-1 gap-4 lg:grid-cols-[minmax(0,1fr)_380px]">
        <Panel title="Text" aria-label="Text" className="min-w-0" bodyClassName="p-4">
          <div
            data-testid="document-text"
            className="max-w-none whitespace-pre-wrap break-words font-serif text-[15px] leading-relaxed text-slate-800"
          >
            {text === "" ? (
              <span className="font-sans text-sm text-slate-500">No text yet: the document has not been ingested.</span>
            ) : chunk ? (
              <>
                {text.slice(0, start)}
                <mark
                  ref={markRef}
                  className="chunk-highlight scroll-mt-24"
                  data-testid="chunk-highlight"
                  data-chunk-id={chunk.chunkId}
                >
                  {text.slice(start, end)}
                </mark>
                {text.slice(end)}
              </>
            ) : (
              text
            )}
          </div>
        </Panel>
        <Panel
          title={`Chunks (${chunks.length})`}
          aria-label="Chunks"
          className="min-w-0 self-start lg:sticky lg:top-14"
        >
          {chunks.length === 0 ? (
            <p className="px-3 py-6 text-center text-xs text-slate-500">No chunks yet.</p>
          ) : (
            <ol
              ref={listRef}
              className="divide-y divide-slate-100 lg:max-h-[75vh] lg:overflow-y-auto"
              data-testid="chunk-list"
            >
              {chunks.map((c) => (
                <ChunkItem
                  key={c.chunkId}
                  chunk={c}
                  text={text.slice(c.charStart, c.charEnd)}
                  active={c.chunkId === chunk?.chunkId}
                  onShow={(show) =>
                    router.replace(show ? documentHref(id, c.chunkId) : documentHref(id), { scroll: false })
                  }
                />
              ))}
            </ol>
          )}
        </Panel>
      </div>
    </div>
  );
}

function Meta({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="flex min-w-0 flex-col gap-0.5">
      <dt className="text-[11px] uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className="min-w-0 break-words text-slate-800">{children}</dd>
    </div>
  );
}

function ChunkItem({
  chunk,
  text,
  active,
  onShow,
}: {
  chunk: Chunk;
  text: string;
  active: boolean;
  onShow: (show: boolean) => void;
}) {
  // Folded by default, the cited one too: the text beside the list shows it in full, highlighted.
  const [open, setOpen] = useState(false);
  const textId = `chunk-text-${chunk.chunkId}`;
  return (
    <li
      data-testid="chunk-item"
      data-chunk-id={chunk.chunkId}
      data-position={chunk.position}
      aria-current={active ? "true" : undefined}
      className={`flex flex-col gap-1 px-3 py-2 ${active ? "bg-amber-50 ring-2 ring-inset ring-amber-400" : ""}`}
    >
      <div className="flex flex-wrap items-center gap-x-2 gap-y-1 font-mono text-xs text-slate-600">
        <span className="font-semibold text-slate-800">#{chunk.position}</span>
        <span data-testid="chunk-tokens">{chunk.tokenCount} tokens</span>
        <span className="text-slate-500">
          chars {chunk.charStart}–{chunk.charEnd}
        </span>
        {chunk.page != null && <span className="text-slate-500">p. {chunk.page}</span>}
        {active && <Badge tone="amber">cited</Badge>}
      </div>
      <p
        id={textId}
        data-testid="chunk-text"
        className={`whitespace-pre-wrap break-words text-xs leading-relaxed text-slate-700 ${open ? "" : "line-clamp-3"}`}
      >
        {text}
      </p>
      <div className="flex gap-3 text-xs">
        <button
          type="button"
          aria-expanded={open}
          aria-controls={textId}
          data-testid="chunk-expand"
          onClick={() => setOpen(!open)}
          className="rounded font-medium text-indigo-700 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-500"
        >
          {open ? "Show less" : "Show all"}
          <span className="sr-only"> of chunk {chunk.position}</span>
        </button>
        <button
          type="button"
          onClick={() => onShow(!active)}
          data-testid="chunk-locate"
          className="rounded font-medium text-indigo-700 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-500"
        >
          {active ? "Clear highlight" : "Highlight in text"}
          <span className="sr-only"> (chunk {chunk.position})</span>
        </button>
      </div>
    </li>
  );
}
