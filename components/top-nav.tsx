"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useState } from "react";
import { leaveTo } from "@/components/auth/sign-in-redirect";
import { useMe } from "@/components/auth/use-me";
import { ThemeControl } from "@/components/theme/theme-control";
import { Button } from "@/components/ui/button";
import { Icon } from "@/components/ui/icon";

const links = [
  { href: "/chat", label: "Chat" },
  { href: "/documents", label: "Documents" },
  { href: "/eval", label: "Eval" },
  { href: "/metrics", label: "Metrics" },
];

const isActive = (pathname: string, href: string) => pathname === href || pathname.startsWith(`${href}/`);

function navLinkClass(active: boolean) {
  return `block whitespace-nowrap rounded px-2.5 py-1.5 font-medium transition-colors ${
    active ? "bg-slate-100 text-slate-900" : "text-slate-600 hover:bg-slate-100 hover:text-slate-900"
  }`;
}

/**
 * The app's header. From lg up every link sits in one row; below, the links and the account controls fold
 * behind a Menu button (the theme control stays out), so nothing overflows a 375 px screen.
 */
export function TopNav() {
  const pathname = usePathname();
  const onSignIn = pathname === "/sign-in";
  const [open, setOpen] = useState(false);
  // A new page closes the menu (state reset while rendering, React's pattern for "adjust on prop change").
  const [menuPath, setMenuPath] = useState(pathname);
  if (menuPath !== pathname) {
    setMenuPath(pathname);
    setOpen(false);
  }
  return (
    <header className="sticky top-0 z-20 border-b border-slate-200 bg-white/95 backdrop-blur">
      <nav
        className="mx-auto flex min-h-12 max-w-[1400px] flex-wrap items-center gap-x-4 px-4 py-1.5"
        aria-label="Main"
        onKeyDown={(e) => {
          if (e.key === "Escape" && open) setOpen(false);
        }}
      >
        <Link href="/chat" className="flex items-center gap-2 rounded font-semibold tracking-tight text-slate-900">
          <span
            className="inline-flex h-5 w-5 items-center justify-center rounded bg-indigo-600 font-mono text-[10px] text-white"
            aria-hidden
          >
            RL
          </span>
          RankLens
        </Link>
        {!onSignIn && (
          <div
            id="main-menu"
            className={`${open ? "flex" : "hidden"} order-last w-full flex-col gap-2 border-t border-slate-200 py-2 lg:order-none lg:flex lg:w-auto lg:flex-1 lg:flex-row lg:items-center lg:gap-4 lg:border-0 lg:py-0`}
            data-testid="main-menu"
          >
            <ul className="flex flex-col gap-0.5 lg:flex-row lg:items-center lg:gap-1">
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
            <span className="ml-auto hidden text-xs text-slate-500 2xl:block">hybrid retrieval · rerank · cite</span>
            <UserMenu pathname={pathname} />
          </div>
        )}
        <div className="ml-auto flex items-center gap-2">
          <ThemeControl />
          {!onSignIn && (
            <Button
              variant="ghost"
              className="lg:hidden"
              aria-expanded={open}
              aria-controls="main-menu"
              onClick={() => setOpen((o) => !o)}
              data-testid="nav-menu-button"
            >
              <Icon>{open ? <path d="M6 6l12 12M18 6L6 18" /> : <path d="M4 7h16M4 12h16M4 17h16" />}</Icon>
              Menu
            </Button>
          )}
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
    <div
      className="flex min-w-0 flex-wrap items-center gap-1 border-t border-slate-200 pt-2 lg:ml-auto lg:flex-nowrap lg:border-0 lg:pt-0"
      data-testid="nav-user"
    >
      {mode === "local" ? (
        <span className="mr-auto text-xs text-slate-500 lg:mr-1" data-testid="nav-local-mode">
          Local mode
        </span>
      ) : (
        <span
          className="mr-auto w-full min-w-0 truncate px-2.5 pb-1 text-xs text-slate-600 lg:mr-1 lg:w-auto lg:max-w-[14rem] lg:px-0 lg:pb-0"
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
