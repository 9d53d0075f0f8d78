"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

const links = [
  { href: "/chat", label: "Chat" },
  { href: "/documents", label: "Documents" },
];

export function TopNav() {
  const pathname = usePathname();
  return (
    <header className="sticky top-0 z-20 border-b border-slate-200 bg-white/95 backdrop-blur">
      <nav className="mx-auto flex h-11 max-w-[1400px] items-center gap-6 px-4" aria-label="Main">
        <Link href="/chat" className="flex items-center gap-2 font-semibold tracking-tight text-slate-900">
          <span className="inline-flex h-5 w-5 items-center justify-center rounded bg-indigo-600 font-mono text-[10px] text-white">
            RL
          </span>
          RankLens
        </Link>
        <ul className="flex items-center gap-1">
          {links.map((link) => {
            const active = pathname === link.href || pathname.startsWith(`${link.href}/`);
            return (
              <li key={link.href}>
                <Link
                  href={link.href}
                  data-testid={`nav-${link.label.toLowerCase()}`}
                  aria-current={active ? "page" : undefined}
                  className={`rounded px-2.5 py-1.5 font-medium transition-colors ${
                    active ? "bg-slate-100 text-slate-900" : "text-slate-500 hover:bg-slate-50 hover:text-slate-900"
                  }`}
                >
                  {link.label}
                </Link>
              </li>
            );
          })}
        </ul>
        <span className="ml-auto hidden text-xs text-slate-400 sm:block">hybrid retrieval · rerank · cite</span>
      </nav>
    </header>
  );
}
