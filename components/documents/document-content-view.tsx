"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useRef } from "react";
import { documentHref } from "@/components/format";
import { Badge } from "@/components/ui/badge";
import { Panel } from "@/components/ui/panel";
import { useDocumentContent } from "./use-documents";

export function DocumentContentView({ id, chunkId }: { id: string; chunkId: number | null }) {
  const content = useDocumentContent(id);
  const router = useRouter();
  const markRef = useRef<HTMLElement>(null);

  const data = content.data;
  const chunk = chunkId == null ? undefined : data?.chunks.find((c) => c.chunkId === chunkId);

  useEffect(() => {
    markRef.current?.scrollIntoView({ block: "center" });
  }, [chunk?.chunkId, data]);

  if (content.isPending) return <p className="py-8 text-center text-slate-500">Loading document…</p>;
  if (content.isError) {
    return (
      <div className="py-8 text-center" role="alert">
        <p className="text-red-700">Could not load this document: {content.error.message}</p>
        <Link href="/documents" className="text-indigo-700 hover:underline">
          Back to documents
        </Link>
      </div>
    );
  }

  if (!data) return null;
  const text = data.text ?? "";
  const start = chunk ? Math.max(0, Math.min(text.length, chunk.charStart)) : 0;
  const end = chunk ? Math.max(start, Math.min(text.length, chunk.charEnd)) : 0;

  return (
    <div className="flex flex-col gap-3">
      <div className="flex flex-wrap items-baseline gap-3">
        <Link href="/documents" className="text-xs text-slate-500 hover:text-slate-900">
          ← Documents
        </Link>
        <h1 className="text-lg font-semibold" data-testid="document-title">
          {data.name}
        </h1>
        <Badge>{data.type}</Badge>
        <span className="font-mono text-xs text-slate-500">
          {text.length.toLocaleString()} chars · {data.chunks.length} chunks
        </span>
        {chunkId != null && !chunk && <Badge tone="amber">chunk {chunkId} is not part of this document</Badge>}
      </div>
      <div className="grid grid-cols-1 gap-4 lg:grid-cols-[minmax(0,1fr)_260px]">
        <Panel bodyClassName="p-4">
          <div
            data-testid="document-text"
            className="max-w-none whitespace-pre-wrap break-words font-serif text-[15px] leading-relaxed text-slate-800"
          >
            {chunk ? (
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
        <Panel title="Chunks" className="self-start lg:sticky lg:top-14" bodyClassName="max-h-[70vh] overflow-y-auto">
          <ol className="divide-y divide-slate-100 font-mono text-xs" data-testid="chunk-list">
            {data.chunks.map((c) => {
              const active = c.chunkId === chunk?.chunkId;
              return (
                <li key={c.chunkId}>
                  <button
                    type="button"
                    data-testid="chunk-item"
                    data-chunk-id={c.chunkId}
                    aria-current={active ? "true" : undefined}
                    onClick={() =>
                      router.replace(active ? documentHref(id) : documentHref(id, c.chunkId), { scroll: false })
                    }
                    className={`flex w-full items-center gap-2 px-3 py-1.5 text-left hover:bg-slate-50 ${
                      active ? "bg-amber-50 text-amber-900" : "text-slate-600"
                    }`}
                  >
                    <span className="w-6 text-right text-slate-400">#{c.position}</span>
                    <span>
                      {c.charStart}–{c.charEnd}
                    </span>
                    <span className="ml-auto text-slate-400">{c.tokenCount} tok</span>
                  </button>
                </li>
              );
            })}
          </ol>
        </Panel>
      </div>
    </div>
  );
}
