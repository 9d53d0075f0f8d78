"use client";

import { useChat } from "@ai-sdk/react";
import { useQuery } from "@tanstack/react-query";
import { DefaultChatTransport } from "ai";
import Link from "next/link";
import { useEffect, useMemo, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { useDocuments } from "@/components/documents/use-documents";
import type { RunData, RunRecord } from "@/components/api-types";
import { ApiError, errorMessageFrom, fetchJson, handleUnauthorized, sendJson, withNewRequestId } from "@/components/fetch-json";
import { Button } from "@/components/ui/button";
import { REQUEST_ID_HEADER } from "@/lib/telemetry/request-id";
import { AssistantMessage } from "./assistant-message";
import { DocumentPicker, ScopeChips } from "./document-picker";
import { LiveRankings } from "./live-rankings";
import { chatErrorMessage, contentOf, messagesOf, textOf, type ChatMessage } from "./message-types";
import { requestParams } from "./search-settings";
import { SettingsPanel } from "./settings-panel";
import type { ConversationDetail } from "./use-conversations";
import { useRefreshConversations } from "./use-conversations";
import { useSearchSettings } from "./use-search-settings";

function chatTransport() {
  return new DefaultChatTransport<ChatMessage>({
    api: "/api/chat",
    // Each send carries a fresh X-Request-Id, quoted in its error message; a 401 (session expired)
    // sends the browser to sign in, like every other API call.
    fetch: async (input, init) => {
      const { headers, requestId } = withNewRequestId(init?.headers);
      const res = await fetch(input, { ...init, headers });
      if (res.ok) return res;
      handleUnauthorized("/api/chat", res.status);
      const body: unknown = await res.json().catch(() => null);
      const id = res.headers.get(REQUEST_ID_HEADER) ?? requestId;
      throw new ApiError(errorMessageFrom(body, res.status, res.statusText), res.status, id);
    },
    // The server keeps the conversation: a send carries only the new question, the conversation's id
    // and the search parameters (and, to regenerate, the answer to replace).
    prepareSendMessagesRequest: ({ id, messages, body, trigger, messageId }) => {
      const lastUser = messages.findLast((m) => m.role === "user");
      return {
        body: {
          ...body,
          conversationId: id,
          message: lastUser ? textOf(lastUser) : "",
          ...(trigger === "regenerate-message" && messageId ? { replaceTurnId: messageId } : {}),
        },
      };
    },
  });
}

/** The id a failed request carried, out of the message ApiError built with it. */
function splitRequestId(error: Error): { message: string; requestId?: string } {
  const requestId = error instanceof ApiError ? error.requestId : undefined;
  const message = chatErrorMessage(error).replace(/\s*\(request id [^)]+\)$/, "");
  return { message, ...(requestId ? { requestId } : {}) };
}

/** A conversation's messages, the question box (with its document scope) and the live rankings. */
export function ConversationChat({
  id,
  detail,
  onStarted,
}: {
  id: string;
  /** The saved conversation being continued; undefined for a new one. */
  detail: ConversationDetail | undefined;
  /** The first question of a new conversation was sent: it now has a URL. */
  onStarted: (id: string) => void;
}) {
  const { settings, update, reset } = useSearchSettings();
  const [transport] = useState(chatTransport);
  const [initialMessages] = useState(() => (detail ? messagesOf(detail) : []));
  const refreshList = useRefreshConversations();

  const { messages, sendMessage, regenerate, status, error, stop, clearError } = useChat<ChatMessage>({
    id,
    messages: initialMessages,
    transport,
    onFinish: () => void refreshList(),
  });

  const [input, setInput] = useState("");
  const [scope, setScope] = useState<string[]>(() => detail?.documentIds ?? []);
  const [stopped, setStopped] = useState<Set<string>>(() => new Set());
  const busy = status === "submitted" || status === "streaming";
  const bottomRef = useRef<HTMLDivElement>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);

  const documents = useDocuments();
  const names = useMemo(() => {
    const map = new Map<string, string>((detail?.documents ?? []).map((d) => [d.id, d.name]));
    for (const d of documents.data ?? []) map.set(d.id, d.name);
    return map;
  }, [detail, documents.data]);

  useEffect(() => {
    bottomRef.current?.scrollIntoView({ block: "end" });
  }, [messages.length, status]);

  const body = () => ({ ...requestParams(settings), ...(scope.length > 0 ? { documentIds: scope } : {}) });

  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    const text = input.trim();
    if (!text || busy) return;
    if (error) clearError();
    setInput("");
    if (messages.length === 0) onStarted(id);
    void sendMessage({ text, metadata: scope.length > 0 ? { documentIds: scope } : {} }, { body: body() });
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    }
  };

  const last = messages.at(-1);
  const lastAssistant = messages.findLast((m) => m.role === "assistant");
  const lastIsUser = last?.role === "user";

  const onStop = () => {
    void stop();
    // The partial answer stays on screen; the server cuts the saved one at the same place.
    if (last?.role === "assistant" && status === "streaming") {
      setStopped((s) => new Set(s).add(last.id));
      const turnId = last.metadata?.turnId;
      if (turnId) {
        void sendJson(`/api/conversations/${id}/turns/${turnId}/stop`, "POST", {
          chars: textOf(last).length,
        }).then(refreshList, () => {});
      }
    } else {
      setStopped((s) => new Set(s).add(`${last?.id ?? ""}:before-answer`));
    }
    inputRef.current?.focus();
  };

  const regenerateLast = () => {
    if (!lastAssistant || busy) return;
    if (error) clearError();
    setStopped((s) => {
      const next = new Set(s);
      next.delete(lastAssistant.id);
      return next;
    });
    void regenerate({ messageId: lastAssistant.id, body: body() });
  };

  // Retry after an error: the failed question again (with the scope as it is now), or its answer
  // regenerated when it had begun.
  const retry = () => {
    clearError();
    if (last?.role === "assistant" && last.metadata?.turnId) void regenerate({ messageId: last.id, body: body() });
    else void regenerate({ body: body() });
  };

  // While a new question waits for its first part, the panel shows nothing rather than the previous run.
  const latest = lastAssistant && !(busy && lastIsUser) ? contentOf(lastAssistant) : undefined;
  // A restored answer has no rankings in its parts: the panel reads its run.
  const restoredRunId = latest && !latest.run ? lastAssistant?.metadata?.runId : undefined;
  const restoredRun = useQuery({
    queryKey: ["runs", restoredRunId],
    queryFn: () => fetchJson<RunRecord>(`/api/runs/${encodeURIComponent(restoredRunId!)}`),
    enabled: !!restoredRunId,
    staleTime: 5 * 60 * 1000,
    select: (r): RunData => ({
      runId: r.runId,
      reranked: r.reranked,
      ...(r.rerankSkippedReason ? { rerankSkippedReason: r.rerankSkippedReason } : {}),
      results: r.results,
    }),
  });
  const panelRun = latest?.run ?? (restoredRunId ? restoredRun.data : undefined);
  const failure = error ? splitRequestId(error) : null;
  const stoppedBeforeAnswer = lastIsUser && !busy && !error && stopped.has(`${last?.id ?? ""}:before-answer`);

  return (
    <>
      <section aria-label="Conversation" className="flex min-h-[calc(100vh-8rem)] min-w-0 flex-col gap-3">
        <SettingsPanel settings={settings} onChange={update} onReset={reset} />

        <div className="flex flex-1 flex-col gap-3" data-testid="chat-messages" aria-busy={busy}>
          {messages.length === 0 && (
            <div
              className="rounded-md border border-dashed border-slate-300 bg-white px-6 py-10 text-center text-slate-600"
              data-testid="chat-empty"
            >
              <p className="text-base font-medium text-slate-800">Ask a question about your documents.</p>
              <p className="mt-1">
                BM25 and vector search find candidates, they are fused, the reranker reorders them, and the answer cites
                the top passages. Follow-up questions search with the conversation before them; limit a question to
                chosen documents with the <span className="font-medium">All documents</span> button. Add files on the{" "}
                <Link href="/documents" className="text-indigo-700 underline hover:no-underline">
                  Documents
                </Link>{" "}
                page.
              </p>
            </div>
          )}
          {messages.map((m, i) => {
            if (m.role === "user") {
              return (
                <div key={m.id} className="flex flex-col items-end gap-1" data-testid="user-message">
                  <p className="max-w-[85%] whitespace-pre-wrap break-words rounded-lg bg-indigo-600 px-3 py-2 text-white">
                    {textOf(m)}
                  </p>
                  <ScopeChips ids={m.metadata?.documentIds ?? []} names={names} testId="question-scope-chip" />
                </div>
              );
            }
            if (m.role !== "assistant") return null;
            const isLast = i === messages.length - 1;
            return (
              <div key={m.id} className="rounded-md border border-slate-200 bg-white px-4 py-3 shadow-xs">
                <AssistantMessage
                  content={contentOf(m)}
                  metadata={m.metadata}
                  streaming={isLast && busy}
                  stopped={stopped.has(m.id)}
                  {...(isLast && !busy && m.metadata?.turnId ? { onRegenerate: regenerateLast } : {})}
                />
              </div>
            );
          })}
          {status === "submitted" && lastIsUser && (
            <div
              className="flex items-center gap-2 rounded-md border border-slate-200 bg-white px-4 py-3 text-slate-600"
              data-testid="chat-pending"
              role="status"
            >
              <span aria-hidden className="h-3 w-3 animate-spin rounded-full border-2 border-indigo-300 border-t-indigo-600" />
              Retrieving, fusing and reranking…
            </div>
          )}
          {stoppedBeforeAnswer && (
            <p className="rounded-md border border-amber-200 bg-amber-50 px-4 py-2 text-sm text-amber-900" data-testid="chat-stopped-early">
              Stopped before the answer began.
            </p>
          )}
          {failure && (
            <div
              role="alert"
              data-testid="chat-error"
              className="flex flex-col gap-2 rounded-md border border-red-200 bg-red-50 px-4 py-3 text-red-800 sm:flex-row sm:items-start"
            >
              <div className="min-w-0 flex-1">
                <p className="font-medium">The question could not be answered.</p>
                <p className="break-words text-sm" data-testid="chat-error-message">
                  {failure.message}
                </p>
                {failure.requestId && (
                  <p className="mt-1 text-xs text-red-700">
                    Request id <code data-testid="chat-error-request-id">{failure.requestId}</code>
                  </p>
                )}
              </div>
              <Button size="sm" variant="danger" onClick={retry} data-testid="chat-retry">
                Retry
              </Button>
            </div>
          )}
          <div ref={bottomRef} />
        </div>

        <form
          onSubmit={submit}
          className="sticky bottom-0 flex flex-col gap-2 rounded-md border border-slate-300 bg-white p-2 shadow-sm focus-within:border-indigo-500 focus-within:ring-1 focus-within:ring-indigo-500"
          aria-label="Ask a question"
        >
          <div className="flex flex-wrap items-center gap-2">
            <DocumentPicker value={scope} onChange={setScope} />
            <ScopeChips ids={scope} names={names} onRemove={(doc) => setScope((s) => s.filter((d) => d !== doc))} />
          </div>
          <div className="flex items-end gap-2">
            <textarea
              ref={inputRef}
              data-testid="chat-input"
              aria-label="Question"
              aria-describedby={`${id}-hint`}
              rows={2}
              value={input}
              onChange={(e) => setInput(e.target.value)}
              onKeyDown={onKeyDown}
              placeholder="Ask about your documents…"
              className="min-h-[2.5rem] min-w-0 flex-1 resize-none bg-transparent px-1 py-1 text-sm focus:outline-none"
            />
            {busy ? (
              <Button data-testid="chat-stop" onClick={onStop}>
                ■ Stop
              </Button>
            ) : (
              <Button type="submit" variant="primary" data-testid="chat-submit" disabled={!input.trim()}>
                Ask
              </Button>
            )}
          </div>
          <p id={`${id}-hint`} className="px-1 text-[11px] text-slate-500">
            Enter sends · Shift+Enter adds a line
          </p>
        </form>
      </section>

      <aside className="min-w-0 lg:col-start-2 xl:sticky xl:top-14 xl:col-start-3 xl:self-start" aria-label="Rankings of the latest answer">
        <LiveRankings run={panelRun} citations={latest?.citations} pending={busy} />
      </aside>
    </>
  );
}
