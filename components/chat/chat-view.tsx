"use client";

import { useChat } from "@ai-sdk/react";
import { DefaultChatTransport } from "ai";
import Link from "next/link";
import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { ApiError, errorMessageFrom, handleUnauthorized, withNewRequestId } from "@/components/fetch-json";
import { Button } from "@/components/ui/button";
import { newRequestId, REQUEST_ID_HEADER } from "@/lib/telemetry/request-id";
import { AssistantMessage } from "./assistant-message";
import { LiveRankings } from "./live-rankings";
import { chatErrorMessage, contentOf, type ChatMessage } from "./message-types";
import { requestParams } from "./search-settings";
import { SettingsPanel } from "./settings-panel";
import { useSearchSettings } from "./use-search-settings";

function textOf(message: ChatMessage): string {
  return message.parts.map((p) => (p.type === "text" ? p.text : "")).join("");
}

export function ChatView() {
  const { settings, update, reset } = useSearchSettings();
  const [conversationId] = useState(newRequestId);
  const [transport] = useState(
    () =>
      new DefaultChatTransport<ChatMessage>({
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
        // The API takes the new user message as text plus the search parameters, which each send
        // passes as its body (issue 2, "Answer").
        prepareSendMessagesRequest: ({ id, messages, body }) => {
          const last = messages[messages.length - 1];
          return { body: { ...body, conversationId: id, message: last ? textOf(last) : "" } };
        },
      }),
  );

  const { messages, sendMessage, status, error, stop, clearError } = useChat<ChatMessage>({
    id: conversationId,
    transport,
  });

  const [input, setInput] = useState("");
  const busy = status === "submitted" || status === "streaming";
  const bottomRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    bottomRef.current?.scrollIntoView({ block: "end" });
  }, [messages.length, status]);

  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    const text = input.trim();
    if (!text || busy) return;
    if (error) clearError();
    setInput("");
    void sendMessage({ text }, { body: requestParams(settings) });
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    }
  };

  const lastAssistant = [...messages].reverse().find((m) => m.role === "assistant");
  const lastIsUser = messages.length > 0 && messages[messages.length - 1].role === "user";
  // While a new question waits for its first part, the panel shows nothing rather than the previous run.
  const latest = lastAssistant && !(busy && lastIsUser) ? contentOf(lastAssistant) : undefined;

  return (
    <div className="grid grid-cols-1 gap-4 lg:grid-cols-[minmax(0,1fr)_380px]">
      <div className="flex min-h-[calc(100vh-6rem)] flex-col gap-3">
        <SettingsPanel settings={settings} onChange={update} onReset={reset} />

        <div className="flex flex-1 flex-col gap-3" data-testid="chat-messages">
          {messages.length === 0 && (
            <div className="rounded-md border border-dashed border-slate-300 bg-white px-6 py-10 text-center text-slate-500">
              <p className="text-base font-medium text-slate-700">Ask a question about your documents.</p>
              <p className="mt-1">
                BM25 and vector search find candidates, they are fused, the reranker reorders them, and the answer cites
                the top passages. Add files on the{" "}
                <Link href="/documents" className="text-indigo-700 hover:underline">
                  Documents
                </Link>{" "}
                page.
              </p>
            </div>
          )}
          {messages.map((m, i) => {
            if (m.role === "user") {
              return (
                <div key={m.id} className="flex justify-end" data-testid="user-message">
                  <p className="max-w-[85%] whitespace-pre-wrap rounded-lg bg-indigo-600 px-3 py-2 text-white">
                    {textOf(m)}
                  </p>
                </div>
              );
            }
            if (m.role !== "assistant") return null;
            const isLast = i === messages.length - 1;
            return (
              <div key={m.id} className="rounded-md border border-slate-200 bg-white px-4 py-3 shadow-xs">
                <AssistantMessage content={contentOf(m)} metadata={m.metadata} streaming={isLast && busy} />
              </div>
            );
          })}
          {status === "submitted" && lastIsUser && (
            <div
              className="rounded-md border border-slate-200 bg-white px-4 py-3 text-slate-400"
              data-testid="chat-pending"
            >
              Retrieving, fusing and reranking…
            </div>
          )}
          {error && (
            <div
              role="alert"
              data-testid="chat-error"
              className="rounded-md border border-red-200 bg-red-50 px-4 py-3 text-red-800"
            >
              {chatErrorMessage(error)}
            </div>
          )}
          <div ref={bottomRef} />
        </div>

        <form
          onSubmit={submit}
          className="sticky bottom-0 flex items-end gap-2 rounded-md border border-slate-300 bg-white p-2 shadow-sm"
        >
          <textarea
            data-testid="chat-input"
            aria-label="Question"
            rows={2}
            value={input}
            onChange={(e) => setInput(e.target.value)}
            onKeyDown={onKeyDown}
            placeholder="Ask about your documents…  (Enter to send, Shift+Enter for a new line)"
            className="min-h-[2.5rem] flex-1 resize-none bg-transparent px-1 py-1 text-sm focus:outline-none"
          />
          {busy ? (
            <Button data-testid="chat-stop" onClick={() => void stop()}>
              Stop
            </Button>
          ) : (
            <Button type="submit" variant="primary" data-testid="chat-submit" disabled={!input.trim()}>
              Ask
            </Button>
          )}
        </form>
      </div>

      <aside className="lg:sticky lg:top-14 lg:self-start">
        <LiveRankings run={latest?.run} citations={latest?.citations} pending={busy} />
      </aside>
    </div>
  );
}
