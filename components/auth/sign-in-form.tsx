"use client";

import Link from "next/link";
import { useState, type FormEvent, type ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { ErrorNote, Field, Input } from "@/components/ui/field";
import { leaveTo, safeNextPath } from "./sign-in-redirect";
import { useMe } from "./use-me";

/** Better Auth answers `{ message, code }`; our own routes `{ error: { message } }`. */
function messageOf(body: unknown): string | null {
  const b = body as { message?: unknown; error?: { message?: unknown } } | null;
  const m = b?.message ?? b?.error?.message;
  return typeof m === "string" && m.trim() !== "" ? m : null;
}

export function SignInForm({ next }: { next?: string }) {
  const me = useMe();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (pending) return;
    setPending(true);
    setError(null);
    try {
      const res = await fetch("/api/auth/sign-in/email", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ email: email.trim(), password }),
      });
      if (res.ok) {
        leaveTo(safeNextPath(next));
        return;
      }
      const body: unknown = await res.json().catch(() => null);
      if (res.status === 401) setError("Wrong email or password.");
      else if (res.status === 403 && (body as { code?: unknown } | null)?.code === "BANNED_USER")
        setError("This account is disabled. Ask an admin to enable it.");
      else if (res.status === 429) setError(messageOf(body) ?? "Too many sign-in attempts. Try again in a minute.");
      else setError(messageOf(body) ?? `Sign-in failed (${res.status}).`);
    } catch {
      setError("Network error: could not reach the server.");
    }
    setPending(false);
  };

  if (me.data?.mode === "local") {
    return (
      <Card title="RankLens">
        <p className="text-slate-700" data-testid="local-mode-note">
          This RankLens runs in local mode: no sign-in needed.
        </p>
        <Link href="/chat" className="mt-4 inline-block font-medium text-indigo-700 hover:underline">
          Go to chat
        </Link>
      </Card>
    );
  }

  return (
    <Card>
      {me.data && (
        <p className="mb-4 rounded bg-slate-50 px-3 py-2 text-xs text-slate-600 ring-1 ring-slate-200">
          You are signed in as <span className="font-medium text-slate-900">{me.data.user.email}</span>.{" "}
          <Link href={safeNextPath(next)} className="font-medium text-indigo-700 hover:underline">
            Continue
          </Link>
        </p>
      )}
      <form onSubmit={submit} className="flex flex-col gap-4">
        <Field id="sign-in-email" label="Email">
          <Input
            id="sign-in-email"
            name="email"
            type="email"
            autoComplete="username"
            required
            autoFocus
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </Field>
        <Field id="sign-in-password" label="Password">
          <Input
            id="sign-in-password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </Field>
        {error && <ErrorNote>{error}</ErrorNote>}
        <Button type="submit" variant="primary" disabled={pending} className="w-full">
          {pending ? "Signing in…" : "Sign in"}
        </Button>
      </form>
    </Card>
  );
}

function Card({ title = "Sign in to RankLens", children }: { title?: string; children: ReactNode }) {
  return (
    <div className="mx-auto mt-[12vh] w-full max-w-sm rounded-md border border-slate-200 bg-white p-6 shadow-xs">
      <div className="mb-5 flex items-center gap-2">
        <span className="inline-flex h-6 w-6 items-center justify-center rounded bg-indigo-600 font-mono text-[11px] text-white">
          RL
        </span>
        <h1 className="text-base font-semibold tracking-tight">{title}</h1>
      </div>
      {children}
    </div>
  );
}
