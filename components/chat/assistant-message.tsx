"use client";

import Link from "next/link";
import { useEffect, useState } from "react";
import type { SearchResultRow } from "@/components/api-types";
import { documentHref } from "@/components/format";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { langOf, sansFont } from "@/components/inspect/highlight";
import { AnswerText } from "./answer-text";
import type { AssistantContent, ChatCitation, ChatMetadata } from "./message-types";

const modeLabel: Record<string, string> = {
  llm: "LLM answer",
  extractive: "extractive answer",
  "llm-fallback": "extractive (LLM failed)",
  "not-found": "no relevant passage",
};

const rewriteLabel: Record<string, string> = {
  "context-terms": "added words from the earlier question",
  llm: "rewritten by the LLM from the conversation",
};

/** The answer and its numbered sources as plain text, for the clipboard. */
export function answerForClipboard(text: string, sources: { n: number; name: string; href: string }[]): string {
  if (sources.length === 0) return text;
  return `${text}\n\nSources:\n${sources.map((s) => `[${s.n}] ${s.name} — ${s.href}`).join("\n")}`;
}

export function AssistantMessage({
  content,
  metadata,
  streaming,
  stopped = false,
  onRegenerate,
}: {
  content: AssistantContent;
  metadata: ChatMetadata | undefined;
  streaming: boolean;
  /** The user stopped this answer (now, or when it was saved). */
  stopped?: boolean;
  /** Present on the last answer when it can be asked again. */
  onRegenerate?: () => void;
}) {
  const { text, run, citations, query } = content;
  const rowsById = new Map<number, SearchResultRow>((run?.results ?? []).map((r) => [r.chunkId, r]));
  const nameOf = (c: ChatCitation) => rowsById.get(c.chunkId)?.documentName || c.documentName || "deleted document";
  const sources = [...(citations ?? [])].sort((a, b) => a.n - b.n);
  const runId = run?.runId ?? metadata?.runId;
  const rewritten = query && query.query !== query.question;
  const isStopped = stopped || metadata?.status === "stopped";

  return (
    <article
      className="flex flex-col gap-2"
      data-testid="assistant-message"
      data-streaming={streaming}
      data-turn-id={metadata?.turnId}
      aria-busy={streaming}
    >
      <div className="flex flex-wrap items-center gap-2 text-xs">
        <span className="font-semibold uppercase tracking-wide text-slate-500">Answer</span>
        {metadata?.answerMode && (
          <Badge tone={metadata.answerMode === "llm" ? "indigo" : "gray"} title={metadata.fallbackReason}>
            {modeLabel[metadata.answerMode] ?? metadata.answerMode}
          </Badge>
        )}
        {run && !run.reranked && (
          <Badge tone="amber" data-testid="not-reranked-badge" title="The answer used the fused (first-stage) order">
            not reranked{run.rerankSkippedReason ? `: ${run.rerankSkippedReason}` : ""}
          </Badge>
        )}
        {run?.reranked && <Badge tone="green">reranked</Badge>}
        {isStopped && (
          <Badge tone="amber" data-testid="answer-stopped">
            stopped
          </Badge>
        )}
        {metadata?.answerRedacted && (
          <Badge tone="red" title="A document this answer cited was deleted">
            answer removed
          </Badge>
        )}
        {runId && (
          <Link
            href={`/inspect/${encodeURIComponent(runId)}`}
            data-testid="inspect-link"
            className="ml-auto font-medium text-indigo-700 hover:underline"
          >
            Inspect run →
          </Link>
        )}
      </div>
      {rewritten && (
        <p className="text-xs text-slate-600" data-testid="searched-for">
          <span className="font-medium">Searched for:</span>{" "}
          <span className="rounded bg-slate-100 px-1 py-0.5 font-mono text-[12px] text-slate-800" data-testid="searched-for-query">
            {query.query}
          </span>{" "}
          <span className="text-slate-500">
            ({rewriteLabel[query.method] ?? query.method}
            {query.fallbackReason ? `; the LLM rewrite failed: ${query.fallbackReason}` : ""})
          </span>
        </p>
      )}
      <div
        className="whitespace-pre-wrap break-words text-[15px] leading-relaxed text-slate-900"
        style={sansFont}
        lang={langOf(text)}
        data-testid="answer-text"
        data-chars={text.length}
      >
        {text ? (
          <AnswerText text={text} citations={citations} />
        ) : (
          <span className="text-slate-500">
            {isStopped
              ? "Stopped before the answer began."
              : metadata?.answerRedacted
                ? "This answer was removed because a document it cited was deleted."
                : run
                  ? "Writing the answer…"
                  : "Retrieving and reranking…"}
          </span>
        )}
        {streaming && text && (
          <span aria-hidden className="ml-0.5 inline-block h-4 w-1.5 animate-pulse bg-indigo-400 align-text-bottom" />
        )}
      </div>
      {sources.length > 0 && (
        <div className="mt-1 border-t border-slate-100 pt-2" data-testid="answer-sources">
          <h3 className="sr-only">Sources</h3>
          <ol className="flex flex-wrap gap-1.5">
            {sources.map((c) => (
              <li
                key={c.n}
                className="relative inline-flex max-w-full items-center gap-1.5 rounded-full bg-indigo-50 py-0.5 pr-2.5 pl-1 text-xs ring-1 ring-inset ring-indigo-200 hover:bg-indigo-100 focus-within:outline-2 focus-within:outline-offset-1 focus-within:outline-indigo-500"
                data-testid="citation-chip"
                data-n={c.n}
              >
                <span
                  aria-hidden
                  className="inline-flex h-5 min-w-5 items-center justify-center rounded-full bg-indigo-600 px-1 font-mono text-[11px] font-semibold text-white"
                >
                  {c.n}
                </span>
                {c.deleted ? (
                  <span className="truncate text-slate-500">deleted document</span>
                ) : (
                  <Link
                    href={documentHref(c.documentId, c.chunkId)}
                    data-testid="source-link"
                    data-n={c.n}
                    data-document-id={c.documentId}
                    data-chunk-id={c.chunkId}
                    aria-label={`Source ${c.n}: ${nameOf(c)}, open the cited passage`}
                    title={rowsById.get(c.chunkId)?.text}
                    className="truncate font-medium text-indigo-800 outline-none after:absolute after:inset-0 after:rounded-full"
                  >
                    {nameOf(c)}
                  </Link>
                )}
              </li>
            ))}
          </ol>
        </div>
      )}
      {!streaming && (text || onRegenerate) && (
        <div className="flex flex-wrap items-center gap-1">
          {text && (
            <CopyButton
              text={() =>
                answerForClipboard(
                  text,
                  sources.map((c) => ({
                    n: c.n,
                    name: nameOf(c),
                    href: new URL(documentHref(c.documentId, c.chunkId), window.location.origin).toString(),
                  })),
                )
              }
            />
          )}
          {onRegenerate && (
            <Button size="sm" variant="ghost" onClick={onRegenerate} data-testid="regenerate">
              ↻ Regenerate
            </Button>
          )}
        </div>
      )}
    </article>
  );
}

function CopyButton({ text }: { text: () => string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  useEffect(() => {
    if (state === "idle") return;
    const t = setTimeout(() => setState("idle"), 2000);
    return () => clearTimeout(t);
  }, [state]);
  return (
    <>
      <Button
        size="sm"
        variant="ghost"
        data-testid="copy-answer"
        onClick={() =>
          navigator.clipboard.writeText(text()).then(
            () => setState("copied"),
            () => setState("failed"),
          )
        }
      >
        {state === "copied" ? "✓ Copied" : "Copy"}
      </Button>
      <span role="status" className="text-xs text-slate-500" data-testid="copy-status">
        {state === "copied" ? "Answer and sources copied" : state === "failed" ? "Could not copy to the clipboard" : ""}
      </span>
    </>
  );
}
