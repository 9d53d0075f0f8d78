import type { Metadata } from "next";
import { Suspense } from "react";
import { ChatView } from "@/components/chat/chat-view";

export const metadata: Metadata = { title: "Chat" };

export default function ChatPage() {
  // ChatView reads ?c= (the open conversation) with useSearchParams.
  return (
    <Suspense>
      <ChatView />
    </Suspense>
  );
}
