import type { Metadata } from "next";
import { connection } from "next/server";
import type { ReactNode } from "react";
import { TopNav } from "@/components/top-nav";
import { Providers } from "./providers";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "RankLens", template: "%s · RankLens" },
  description: "Two-stage retrieval with reranking, made visible.",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Every page renders per request: the CSP nonce (proxy.ts) is new each time and Next.js stamps it on
  // its scripts while rendering, which a page prerendered at build time could not carry.
  await connection();
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
