"use client";

import Link from "next/link";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { useConversations, useDeleteConversation } from "./use-conversations";

const dateFormat = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });

/** The saved conversations: open one, start a new one, delete one (after a confirming second click). */
export function ConversationList({
  activeId,
  onNew,
  onNavigate,
  onDeleted,
  idPrefix,
}: {
  activeId: string;
  onNew: () => void;
  /** Called when a conversation is opened (the drawer closes). */
  onNavigate?: () => void;
  onDeleted: (id: string) => void;
  /** Keeps ids unique when the list is rendered twice (sidebar and drawer). */
  idPrefix: string;
}) {
  const list = useConversations();
  const remove = useDeleteConversation();
  const [confirming, setConfirming] = useState<string | null>(null);

  return (
    <nav aria-labelledby={`${idPrefix}-heading`} className="flex min-h-0 flex-col gap-2" data-testid="conversation-list">
      <div className="flex items-center gap-2">
        <h2 id={`${idPrefix}-heading`} className="text-xs font-semibold uppercase tracking-wide text-slate-600">
          Conversations
        </h2>
        <Button size="sm" variant="primary" className="ml-auto" onClick={onNew} data-testid="new-conversation">
          + New
        </Button>
      </div>
      {list.isPending ? (
        <p className="px-1 py-2 text-xs text-slate-500" aria-live="polite">
          Loading conversations…
        </p>
      ) : list.isError ? (
        <p role="alert" className="px-1 py-2 text-xs text-red-700">
          Could not load the conversations: {list.error.message}{" "}
          <button type="button" className="underline" onClick={() => void list.refetch()}>
            Retry
          </button>
        </p>
      ) : list.data.length === 0 ? (
        <p className="px-1 py-2 text-xs text-slate-500" data-testid="conversation-list-empty">
          No saved conversations yet. Each question you ask is saved here.
        </p>
      ) : (
        <ul className="flex flex-col gap-0.5 overflow-y-auto">
          {list.data.map((c) => {
            const active = c.id === activeId;
            return (
              <li
                key={c.id}
                data-testid="conversation-item"
                data-id={c.id}
                className={`group flex items-start gap-1 rounded ${active ? "bg-indigo-50 ring-1 ring-inset ring-indigo-200" : "hover:bg-slate-100"}`}
              >
                {confirming === c.id ? (
                  <div className="flex w-full flex-wrap items-center gap-1 px-2 py-1.5 text-xs" role="group" aria-label={`Delete ${c.title}?`}>
                    <span className="mr-auto text-slate-700">Delete this conversation?</span>
                    <Button
                      size="sm"
                      variant="danger"
                      data-testid="confirm-delete-conversation"
                      disabled={remove.isPending}
                      onClick={() =>
                        remove.mutate(c.id, {
                          onSuccess: () => {
                            setConfirming(null);
                            onDeleted(c.id);
                          },
                        })
                      }
                    >
                      Delete
                    </Button>
                    <Button size="sm" variant="ghost" onClick={() => setConfirming(null)} autoFocus>
                      Keep
                    </Button>
                  </div>
                ) : (
                  <>
                    <Link
                      href={`/chat?c=${encodeURIComponent(c.id)}`}
                      onClick={onNavigate}
                      aria-current={active ? "page" : undefined}
                      data-testid="conversation-link"
                      className="min-w-0 flex-1 rounded px-2 py-1.5 focus-visible:outline-2 focus-visible:outline-indigo-500"
                    >
                      <span className="block truncate text-sm text-slate-800">{c.title}</span>
                      <span className="block text-[11px] text-slate-600">
                        {c.turnCount} question{c.turnCount === 1 ? "" : "s"} · {dateFormat.format(new Date(c.updatedAt))}
                      </span>
                    </Link>
                    <button
                      type="button"
                      data-testid="delete-conversation"
                      aria-label={`Delete conversation: ${c.title}`}
                      title="Delete conversation"
                      onClick={() => setConfirming(c.id)}
                      className="mt-1 mr-1 rounded px-1.5 py-1 text-xs text-slate-500 hover:bg-red-50 hover:text-red-700 focus-visible:outline-2 focus-visible:outline-indigo-500"
                    >
                      ✕
                    </button>
                  </>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {remove.isError && (
        <p role="alert" className="text-xs text-red-700">
          Could not delete: {remove.error.message}
        </p>
      )}
    </nav>
  );
}
