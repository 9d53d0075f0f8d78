import type { Metadata } from "next";
import type { ReactNode } from "react";
import { TopNav } from "@/components/top-nav";
import { Providers } from "./providers";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "RankLens", template: "%s · RankLens" },
  description: "Two-stage retrieval with reranking, made visible.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen font-sans text-sm">
        <Providers>
          <TopNav />
          <main className="mx-auto w-full max-w-[1400px] px-4 py-4">{children}</main>
        </Providers>
      </body>
    </html>
  );
}
