import Link from "next/link";
import type { SearchResultRow } from "@/components/api-types";
import { documentHref } from "@/components/format";
import { Badge } from "@/components/ui/badge";
import { langOf, sansFont } from "@/components/inspect/highlight";
import { AnswerText } from "./answer-text";
import type { AssistantContent, ChatMetadata } from "./message-types";

const modeLabel: Record<string, string> = {
  llm: "LLM answer",
  extractive: "extractive answer",
  "llm-fallback": "extractive (LLM failed)",
  "not-found": "no relevant passage",
};

export function AssistantMessage({
  content,
  metadata,
  streaming,
}: {
  content: AssistantContent;
  metadata: ChatMetadata | undefined;
  streaming: boolean;
}) {
  const { text, run, citations } = content;
  const rowsById = new Map<number, SearchResultRow>((run?.results ?? []).map((r) => [r.chunkId, r]));
  const sources = [...(citations ?? [])].sort((a, b) => a.n - b.n);

  return (
    <article className="flex flex-col gap-2" data-testid="assistant-message" data-streaming={streaming}>
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
        {run && (
          <Link
            href={`/inspect/${encodeURIComponent(run.runId)}`}
            data-testid="inspect-link"
            className="ml-auto font-medium text-indigo-700 hover:underline"
          >
            Inspect run →
          </Link>
        )}
      </div>
      <div
        className="whitespace-pre-wrap break-words text-[15px] leading-relaxed text-slate-900"
        style={sansFont}
        lang={langOf(text)}
        data-testid="answer-text"
      >
        {text ? (
          <AnswerText text={text} citations={citations} />
        ) : (
          <span className="text-slate-400">{run ? "Writing the answer…" : "Retrieving and reranking…"}</span>
        )}
        {streaming && text && (
          <span className="ml-0.5 inline-block h-4 w-1.5 animate-pulse bg-indigo-400 align-text-bottom" />
        )}
      </div>
      {sources.length > 0 && (
        <div className="mt-1 border-t border-slate-100 pt-2" data-testid="answer-sources">
          <h3 className="mb-1 text-[11px] font-semibold uppercase tracking-wide text-slate-500">Sources</h3>
          <ol className="flex flex-col gap-1">
            {sources.map((c) => {
              const row = rowsById.get(c.chunkId);
              return (
                <li key={c.n} className="flex min-w-0 items-baseline gap-2 text-xs">
                  <span className="w-5 shrink-0 text-right font-mono font-semibold text-indigo-700">[{c.n}]</span>
                  <Link
                    href={documentHref(c.documentId, c.chunkId)}
                    data-testid="source-link"
                    data-n={c.n}
                    data-document-id={c.documentId}
                    className="shrink-0 font-medium text-slate-800 hover:text-indigo-700 hover:underline"
                  >
                    {row?.documentName ?? c.documentId}
                  </Link>
                  <span className="shrink-0 font-mono text-[10px] text-slate-400">
                    #{c.chunkId} · {c.charStart}–{c.charEnd}
                  </span>
                  {row && <span className="truncate text-slate-500">{row.text}</span>}
                </li>
              );
            })}
          </ol>
        </div>
      )}
    </article>
  );
}
