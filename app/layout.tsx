import type { Metadata } from "next";
import { headers } from "next/headers";
import type { ReactNode } from "react";
import { themeScript } from "@/components/theme/theme";
import { TopNav } from "@/components/top-nav";
import { Providers } from "./providers";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "RankLens", template: "%s · RankLens" },
  description: "Two-stage retrieval with reranking, made visible.",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Every page renders per request (reading the headers makes it so): the CSP nonce (proxy.ts) is new each
  // time and Next.js stamps it on its scripts while rendering, which a page prerendered at build time could
  // not carry. The inline theme script carries it too.
  const nonce = (await headers()).get("x-nonce") ?? undefined;
  return (
    // The theme script sets the theme class on <html> before React hydrates, hence suppressHydrationWarning.
    <html lang="en" suppressHydrationWarning>
      <head>
        <script nonce={nonce} dangerouslySetInnerHTML={{ __html: themeScript }} />
      </head>
      <body className="min-h-screen font-sans text-sm">
        <a
          href="#main"
          className="sr-only rounded bg-indigo-600 px-3 py-2 font-medium text-white focus:not-sr-only focus:fixed focus:left-2 focus:top-2 focus:z-50"
          data-testid="skip-link"
        >
          Skip to content
        </a>
        <Providers>
          <TopNav />
          <main id="main" tabIndex={-1} className="mx-auto w-full max-w-[1400px] px-4 py-4 focus:outline-none">
            {children}
          </main>
        </Providers>
      </body>
    </html>
  );
}
