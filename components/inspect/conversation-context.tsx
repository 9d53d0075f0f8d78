import Link from "next/link";
import type { SearchParams } from "@/components/api-types";
import { Panel } from "@/components/ui/panel";
import type { ConversationParams } from "@/lib/chat/follow-up";

const METHOD: Record<string, string> = {
  "first-turn": "first question: searched as asked",
  "self-contained": "self-contained: searched as asked",
  "context-terms": "follow-up: the earlier question's words were added",
  llm: "condensed by the LLM from the conversation",
};

/** A chat run's conversation: the question as asked, what retrieval searched for instead, and from which turns. */
export function ConversationContext({ params }: { params: SearchParams | null | undefined }) {
  const c = (params as (SearchParams & { conversation?: ConversationParams }) | null | undefined)?.conversation;
  if (!c || typeof c.question !== "string") return null;
  const rewritten = c.retrievalQuery !== c.question;
  return (
    <Panel
      title="Conversation context"
      data-testid="inspect-conversation"
      bodyClassName="px-3 py-3 text-sm"
      actions={
        c.conversationId ? (
          <Link href={`/chat?c=${encodeURIComponent(c.conversationId)}`} className="text-xs font-medium text-indigo-700 hover:underline">
            Open the conversation →
          </Link>
        ) : undefined
      }
    >
      <dl className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-4 gap-y-1.5">
        <dt className="text-slate-500">question</dt>
        <dd className="break-words" data-testid="inspect-conversation-question">
          {c.question}
        </dd>
        <dt className="text-slate-500">searched for</dt>
        <dd className="break-words font-mono text-[13px]" data-testid="inspect-conversation-query">
          {c.retrievalQuery}
        </dd>
        <dt className="text-slate-500">how</dt>
        <dd data-testid="inspect-conversation-method">
          {METHOD[c.method] ?? c.method}
          {rewritten && c.reason ? ` (${c.reason})` : ""}
          {c.addedTerms && c.addedTerms.length > 0 && (
            <span className="text-slate-500"> · added: {c.addedTerms.join(", ")}</span>
          )}
        </dd>
        {c.fallbackReason && (
          <>
            <dt className="text-slate-500">LLM rewrite</dt>
            <dd className="text-amber-800">not used: {c.fallbackReason}</dd>
          </>
        )}
        {c.context.length > 0 && (
          <>
            <dt className="text-slate-500">context</dt>
            <dd>
              <ol className="flex flex-col gap-1" data-testid="inspect-conversation-context">
                {c.context.map((t, i) => (
                  <li key={i} className="break-words">
                    <span className="text-slate-800">{t.question}</span>
                    {t.retrievalQuery !== t.question && (
                      <span className="font-mono text-[12px] text-slate-500"> → {t.retrievalQuery}</span>
                    )}
                  </li>
                ))}
              </ol>
            </dd>
          </>
        )}
      </dl>
    </Panel>
  );
}
