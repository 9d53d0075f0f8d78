"use client";

import { useRouter, useSearchParams } from "next/navigation";
import { useRef, useState } from "react";
import { Button } from "@/components/ui/button";
import { ConversationChat } from "./conversation-chat";
import { ConversationList } from "./conversation-list";
import { useConversation } from "./use-conversations";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const newConversationId = () => crypto.randomUUID();

/**
 * The chat page: saved conversations (a sidebar on wide screens, a drawer on narrow ones) and the open
 * conversation. `/chat?c=<id>` opens a saved one; `/chat` starts a new one, saved with its first question.
 */
export function ChatView() {
  const router = useRouter();
  const params = useSearchParams();
  const requested = params.get("c");
  // The conversation started on this page before it had a URL: its pane stays mounted when the URL
  // catches up with it after the first question.
  const [draftId, setDraftId] = useState(newConversationId);
  const activeId = requested ?? draftId;
  const drawer = useRef<HTMLDialogElement>(null);

  const startNew = () => {
    setDraftId(newConversationId());
    drawer.current?.close();
    router.push("/chat");
  };
  const listProps = {
    activeId,
    onNew: startNew,
    onDeleted: (id: string) => {
      if (id === activeId) startNew();
    },
  };

  return (
    <div className="grid grid-cols-1 gap-4 lg:grid-cols-[15rem_minmax(0,1fr)] xl:grid-cols-[15rem_minmax(0,1fr)_22rem]">
      <aside aria-label="Saved conversations" className="hidden lg:sticky lg:top-14 lg:block lg:max-h-[calc(100vh-5rem)] lg:self-start lg:overflow-y-auto">
        <ConversationList {...listProps} idPrefix="sidebar" />
      </aside>

      <div className="flex items-center gap-2 lg:hidden">
        <Button
          size="sm"
          onClick={() => drawer.current?.showModal()}
          data-testid="conversations-drawer-toggle"
          aria-haspopup="dialog"
        >
          ☰ Conversations
        </Button>
        <Button size="sm" variant="ghost" onClick={startNew} data-testid="new-conversation-narrow">
          + New conversation
        </Button>
      </div>
      <dialog
        ref={drawer}
        aria-label="Conversations"
        data-testid="conversations-drawer"
        className="m-0 h-full max-h-none w-[min(20rem,85vw)] border-r border-slate-200 bg-white p-3 shadow-xl backdrop:bg-black/50"
        onClick={(e) => {
          // A click on the backdrop (outside the panel) closes it.
          if (e.target === e.currentTarget) e.currentTarget.close();
        }}
      >
        <div className="flex h-full flex-col gap-3">
          <Button size="sm" variant="ghost" className="self-end" onClick={() => drawer.current?.close()}>
            Close
          </Button>
          <ConversationList {...listProps} idPrefix="drawer" onNavigate={() => drawer.current?.close()} />
        </div>
      </dialog>

      <ConversationPane
        key={activeId}
        id={activeId}
        saved={requested !== null && requested !== draftId}
        onStarted={(id) => {
          if (requested !== id) router.replace(`/chat?c=${encodeURIComponent(id)}`, { scroll: false });
        }}
        onNew={startNew}
      />
    </div>
  );
}

/** One conversation: loaded from the server when it is a saved one, else empty. */
function ConversationPane({
  id,
  saved,
  onStarted,
  onNew,
}: {
  id: string;
  saved: boolean;
  onStarted: (id: string) => void;
  onNew: () => void;
}) {
  // Decided once: a new conversation that gets its URL after the first question is not reloaded.
  const [load] = useState(saved);
  const valid = UUID.test(id);
  const detail = useConversation(id, load && valid);

  if (load && (!valid || detail.isError)) {
    const message = !valid ? "No conversation with this id." : detail.error?.message;
    return (
      <div className="flex flex-col items-start gap-3 rounded-md border border-slate-200 bg-white p-6 xl:col-span-2" role="alert" data-testid="conversation-error">
        <p className="font-medium text-slate-800">This conversation could not be opened.</p>
        <p className="text-sm text-slate-600">{message}</p>
        <div className="flex gap-2">
          {valid && (
            <Button size="sm" onClick={() => void detail.refetch()}>
              Retry
            </Button>
          )}
          <Button size="sm" variant="primary" onClick={onNew}>
            New conversation
          </Button>
        </div>
      </div>
    );
  }
  if (load && detail.isPending) {
    return (
      <div className="rounded-md border border-slate-200 bg-white p-6 text-sm text-slate-500 xl:col-span-2" aria-live="polite" data-testid="conversation-loading">
        Loading the conversation…
      </div>
    );
  }
  return <ConversationChat id={id} detail={load ? detail.data : undefined} onStarted={onStarted} />;
}

