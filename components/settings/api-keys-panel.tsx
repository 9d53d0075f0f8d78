"use client";

import { useState, useSyncExternalStore, type FormEvent } from "react";
import type { ApiKeySummary, CreatedApiKey } from "@/components/api-types";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ErrorNote, Field, Input, Select } from "@/components/ui/field";
import { Panel } from "@/components/ui/panel";
import { ScrollArea } from "@/components/ui/scroll-area";
import { useApiKeys, useCreateApiKey, useRevokeApiKey } from "./use-api-keys";

export function formatDateTime(iso: string | null): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "—" : d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

const noop = () => () => {};
/** The page's origin, for the curl example ("" while rendering on the server). */
function useOrigin(): string {
  return useSyncExternalStore(
    noop,
    () => window.location.origin,
    () => "",
  );
}

export function ApiKeysPanel() {
  const keys = useApiKeys();
  const create = useCreateApiKey();
  const revoke = useRevokeApiKey();
  const origin = useOrigin();
  const [name, setName] = useState("");
  const [scope, setScope] = useState<ApiKeySummary["scope"]>("read");
  const [created, setCreated] = useState<CreatedApiKey | null>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim() || create.isPending) return;
    create.mutate(
      { name: name.trim(), scope },
      {
        onSuccess: (key) => {
          setCreated(key);
          setName("");
        },
      },
    );
  };

  const onRevoke = (key: ApiKeySummary) => {
    if (!window.confirm(`Revoke the API key "${key.name}"? Anything using it stops working at once.`)) return;
    revoke.mutate(key.id, { onSuccess: () => setCreated((c) => (c?.id === key.id ? null : c)) });
  };

  return (
    <Panel title="API keys" data-testid="api-keys">
      <div className="flex flex-col gap-4 p-3">
        <p className="text-slate-600">
          API keys let scripts call the RankLens API as you. A <span className="font-medium">read</span> key can search
          and list; a <span className="font-medium">write</span> key can also upload, delete and chat.
        </p>
        <form onSubmit={submit} className="flex flex-wrap items-end gap-3" aria-label="Create API key">
          <Field id="api-key-name" label="Key name" className="w-full sm:w-64">
            <Input
              id="api-key-name"
              value={name}
              onChange={(e) => setName(e.target.value)}
              maxLength={100}
              required
              placeholder="e.g. nightly-eval"
            />
          </Field>
          <Field id="api-key-scope" label="Scope" className="w-32">
            <Select
              id="api-key-scope"
              value={scope}
              onChange={(e) => setScope(e.target.value as ApiKeySummary["scope"])}
            >
              <option value="read">read</option>
              <option value="write">write</option>
            </Select>
          </Field>
          <Button type="submit" variant="primary" disabled={create.isPending || !name.trim()}>
            {create.isPending ? "Creating…" : "Create key"}
          </Button>
        </form>
        {create.isError && <ErrorNote>{create.error.message}</ErrorNote>}

        {created && <NewKey created={created} onDismiss={() => setCreated(null)} />}

        {revoke.isError && <ErrorNote>{revoke.error.message}</ErrorNote>}
        {keys.isPending ? (
          <p className="py-4 text-center text-slate-500">Loading keys…</p>
        ) : keys.isError ? (
          <ErrorNote>Could not load API keys: {keys.error.message}</ErrorNote>
        ) : keys.data.length === 0 ? (
          <p className="py-4 text-center text-slate-500" data-testid="api-keys-empty">
            No API keys yet.
          </p>
        ) : (
          <ScrollArea label="API keys" className="relative border border-slate-200">
            <table className="w-full border-collapse text-left" data-testid="api-keys-table">
              <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-500">
                <tr>
                  <th className="px-3 py-2 font-medium">Name</th>
                  <th className="px-3 py-2 font-medium">Key</th>
                  <th className="px-3 py-2 font-medium">Scope</th>
                  <th className="px-3 py-2 font-medium">Created</th>
                  <th className="px-3 py-2 font-medium">Last used</th>
                  <th className="px-3 py-2 font-medium">Status</th>
                  <th className="px-3 py-2 font-medium">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {keys.data.map((key) => (
                  <tr key={key.id} data-testid="api-key-row" data-name={key.name} className="hover:bg-slate-50/70">
                    <td className="max-w-[14rem] truncate px-3 py-2 font-medium" title={key.name}>
                      {key.name}
                    </td>
                    <td className="whitespace-nowrap px-3 py-2 font-mono text-xs text-slate-600">{key.prefix}…</td>
                    <td className="px-3 py-2">
                      <Badge tone={key.scope === "write" ? "amber" : "blue"}>{key.scope}</Badge>
                    </td>
                    <td className="whitespace-nowrap px-3 py-2 text-xs text-slate-600">
                      {formatDateTime(key.createdAt)}
                    </td>
                    <td className="whitespace-nowrap px-3 py-2 text-xs text-slate-600">
                      {key.lastUsedAt ? formatDateTime(key.lastUsedAt) : "never"}
                    </td>
                    <td className="px-3 py-2">
                      {key.revokedAt ? (
                        <Badge tone="gray" title={`Revoked ${formatDateTime(key.revokedAt)}`}>
                          Revoked
                        </Badge>
                      ) : (
                        <Badge tone="green">Active</Badge>
                      )}
                    </td>
                    <td className="px-3 py-2 text-right">
                      {!key.revokedAt && (
                        <Button
                          size="sm"
                          variant="danger"
                          onClick={() => onRevoke(key)}
                          disabled={revoke.isPending && revoke.variables === key.id}
                        >
                          Revoke
                        </Button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollArea>
        )}

        <div className="flex flex-col gap-1">
          <h3 className="text-xs font-semibold text-slate-700">Using a key</h3>
          <pre className="whitespace-pre-wrap break-all rounded bg-slate-100 px-3 py-2 font-mono text-xs text-slate-800 ring-1 ring-inset ring-slate-200">
            <code data-testid="api-key-usage">{`curl -H "Authorization: Bearer <key>" ${origin || "<origin>"}/api/documents`}</code>
          </pre>
        </div>
      </div>
    </Panel>
  );
}

function NewKey({ created, onDismiss }: { created: CreatedApiKey; onDismiss: () => void }) {
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied("yes");
    } catch {
      // Clipboard needs a secure context (https or localhost); the key stays selectable by hand.
      setCopied("failed");
    }
  };
  return (
    <div className="flex flex-col gap-2 rounded border border-amber-200 bg-amber-50 p-3" data-testid="new-api-key">
      <p className="text-sm font-medium text-amber-900">
        New {created.scope} key “{created.name}” created.
      </p>
      <div className="flex flex-wrap items-center gap-2">
        <code
          aria-label="New API key"
          className="min-w-0 flex-1 break-all rounded bg-white px-2 py-1.5 font-mono text-xs text-slate-900 ring-1 ring-amber-200 select-all"
        >
          {created.key}
        </code>
        <Button size="sm" onClick={copy}>
          {copied === "yes" ? "Copied" : "Copy"}
        </Button>
        <Button size="sm" variant="ghost" onClick={onDismiss}>
          Done
        </Button>
      </div>
      <p className="text-xs text-amber-900">Copy it now: it will not be shown again.</p>
      {copied === "failed" && (
        <p className="text-xs text-amber-900" role="status">
          Could not copy automatically: select the key and copy it by hand.
        </p>
      )}
    </div>
  );
}
