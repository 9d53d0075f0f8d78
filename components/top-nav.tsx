"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useState } from "react";
import { leaveTo } from "@/components/auth/sign-in-redirect";
import { useMe } from "@/components/auth/use-me";
import { Button } from "@/components/ui/button";

const links = [
  { href: "/chat", label: "Chat" },
  { href: "/documents", label: "Documents" },
  { href: "/eval", label: "Eval" },
  { href: "/metrics", label: "Metrics" },
];

const isActive = (pathname: string, href: string) => pathname === href || pathname.startsWith(`${href}/`);

function navLinkClass(active: boolean) {
  return `whitespace-nowrap rounded px-2.5 py-1.5 font-medium transition-colors ${
    active ? "bg-slate-100 text-slate-900" : "text-slate-500 hover:bg-slate-50 hover:text-slate-900"
  }`;
}

export function TopNav() {
  const pathname = usePathname();
  const onSignIn = pathname === "/sign-in";
  return (
    <header className="sticky top-0 z-20 border-b border-slate-200 bg-white/95 backdrop-blur">
      <nav
        className="mx-auto flex min-h-11 max-w-[1400px] flex-wrap items-center gap-x-6 gap-y-1 px-4 py-1"
        aria-label="Main"
      >
        <Link href="/chat" className="flex items-center gap-2 font-semibold tracking-tight text-slate-900">
          <span className="inline-flex h-5 w-5 items-center justify-center rounded bg-indigo-600 font-mono text-[10px] text-white">
            RL
          </span>
          RankLens
        </Link>
        {!onSignIn && (
          <ul className="flex items-center gap-1">
            {links.map((link) => {
              const active = isActive(pathname, link.href);
              return (
                <li key={link.href}>
                  <Link
                    href={link.href}
                    data-testid={`nav-${link.label.toLowerCase()}`}
                    aria-current={active ? "page" : undefined}
                    className={navLinkClass(active)}
                  >
                    {link.label}
                  </Link>
                </li>
              );
            })}
          </ul>
        )}
        <div className="ml-auto flex w-full min-w-0 items-center justify-end gap-3 sm:w-auto">
          <span className="hidden text-xs text-slate-400 xl:block">hybrid retrieval · rerank · cite</span>
          {!onSignIn && <UserMenu pathname={pathname} />}
        </div>
      </nav>
    </header>
  );
}

function UserMenu({ pathname }: { pathname: string }) {
  const me = useMe();
  const [signingOut, setSigningOut] = useState(false);
  if (!me.data) return null;
  const { mode, user } = me.data;

  const signOut = async () => {
    setSigningOut(true);
    try {
      await fetch("/api/auth/sign-out", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: "{}",
      });
    } finally {
      leaveTo("/sign-in");
    }
  };

  const settingsActive = isActive(pathname, "/settings");
  const adminActive = isActive(pathname, "/admin");
  return (
    <div className="flex min-w-0 flex-1 items-center gap-1 sm:flex-none" data-testid="nav-user">
      {mode === "local" ? (
        <span className="mr-auto text-xs text-slate-500 sm:mr-1" data-testid="nav-local-mode">
          Local mode
        </span>
      ) : (
        <span
          className="mr-auto min-w-0 truncate text-xs text-slate-600 sm:mr-1 sm:max-w-[16rem]"
          title={user.email}
          data-testid="nav-user-email"
        >
          {user.email}
        </span>
      )}
      <Link
        href="/settings"
        data-testid="nav-settings"
        aria-current={settingsActive ? "page" : undefined}
        className={navLinkClass(settingsActive)}
      >
        Settings
      </Link>
      {user.role === "admin" && mode === "accounts" && (
        <Link
          href="/admin"
          data-testid="nav-admin"
          aria-current={adminActive ? "page" : undefined}
          className={navLinkClass(adminActive)}
        >
          Admin
        </Link>
      )}
      {mode === "accounts" && (
        <Button
          size="sm"
          variant="ghost"
          className="whitespace-nowrap"
          onClick={signOut}
          disabled={signingOut}
          data-testid="nav-sign-out"
        >
          {signingOut ? "Signing out…" : "Sign out"}
        </Button>
      )}
    </div>
  );
}
