"use client";

import Link from "next/link";
import { useId, useState, type FormEvent } from "react";
import type { RankChange } from "@/app/api/runs/[id]/replay/compare";
import type { ReplayRequest } from "@/app/api/runs/[id]/replay/schema";
import type { RunRecord } from "@/components/api-types";
import { describeFusion, formatRank } from "@/components/format";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ErrorNote, Field, inputClass, selectClass } from "@/components/ui/field";
import { Panel } from "@/components/ui/panel";
import { correctiveOf, describeDecision } from "@/lib/retrieval/corrective/describe";
import { runTopN } from "./ranking-comparison";
import { useReplay, type ReplayResult } from "./use-replay";

type Method = "minmax" | "rrf" | "nvidia";
type Mode = "single" | "corrective";
type FieldName = "k" | "topN" | "method" | "bm25" | "vector" | "c" | "mode" | "maxRounds" | "threshold" | "minRelevant";

/** The form keeps what was typed (strings), so a half-typed number is not rewritten under the cursor. */
interface FormState {
  k: string;
  topN: string;
  method: Method;
  bm25: string;
  vector: string;
  c: string;
  rerank: boolean;
  /** single pass or the corrective loop; its settings empty: the server's (the run's own, else the defaults). */
  mode: Mode;
  maxRounds: string;
  threshold: string;
  minRelevant: string;
}

const NVIDIA_WEIGHTS = { bm25: "0.4", vector: "0.6", c: "60" };

function formOf(run: RunRecord): FormState {
  const { params } = run;
  const fusion = params.fusion;
  const corrective = correctiveOf(params);
  const base = {
    k: String(params.k),
    topN: String(runTopN(run)),
    rerank: params.rerank !== false,
    // A corrective run replays as corrective, with its own settings.
    mode: (corrective ? "corrective" : "single") as Mode,
    maxRounds: corrective ? String(corrective.maxRounds) : "",
    threshold: corrective ? String(corrective.threshold) : "",
    minRelevant: corrective ? String(corrective.minRelevant) : "",
  };
  if (fusion === "nvidia" || fusion == null) return { ...base, method: "nvidia", ...NVIDIA_WEIGHTS };
  return {
    ...base,
    method: fusion.method,
    bm25: String(fusion.weights.bm25),
    vector: String(fusion.weights.vector),
    c: fusion.method === "rrf" ? String(fusion.c ?? 60) : NVIDIA_WEIGHTS.c,
  };
}

const LABELS: Record<FieldName, string> = {
  k: "k",
  topN: "top n",
  method: "fusion",
  bm25: "BM25 weight",
  vector: "vector weight",
  c: "RRF c",
  mode: "mode",
  maxRounds: "max rounds",
  threshold: "grade threshold",
  minRelevant: "min relevant",
};

/** The request, or the fields left empty (the only check made here: the server checks values). */
function requestOf(form: FormState): ReplayRequest | { empty: FieldName[] } {
  const used: FieldName[] = ["k", "topN", ...(form.method === "nvidia" ? [] : (["bm25", "vector"] as const))];
  if (form.method === "rrf") used.push("c");
  const empty = used.filter((f) => (form[f as keyof FormState] as string).trim() === "");
  if (empty.length > 0) return { empty };
  const n = (s: string) => Number(s.trim());
  const weights = { bm25: n(form.bm25), vector: n(form.vector) };
  // The loop's settings left empty are the server's to choose (the run's own, else the defaults).
  const loop = Object.fromEntries(
    (["maxRounds", "threshold", "minRelevant"] as const)
      .filter((f) => form[f].trim() !== "")
      .map((f) => [f, n(form[f])]),
  );
  return {
    k: n(form.k),
    topN: n(form.topN),
    rerank: form.rerank,
    mode: form.mode,
    ...(form.mode === "corrective" && Object.keys(loop).length > 0 ? { corrective: loop } : {}),
    fusion:
      form.method === "nvidia"
        ? "nvidia"
        : form.method === "rrf"
          ? { method: "rrf", weights, c: n(form.c) }
          : { method: "minmax", weights },
  };
}

/** "k: Too small…; fusion.weights.bm25: …" → the form field each part is about. */
function fieldErrors(message: string): Partial<Record<FieldName, string>> {
  const out: Partial<Record<FieldName, string>> = {};
  for (const part of message.split("; ")) {
    const m = /^([\w.]+): (.*)$/.exec(part);
    if (!m) continue;
    const [, path, full] = m;
    // Beside the field the reference for support is noise; the summary below keeps it.
    const text = full.replace(/\s*\(request id [^)]*\)$/, "");
    const field: FieldName | null =
      path === "k" || path === "topN" || path === "mode"
        ? path
        : path.startsWith("corrective.")
          ? ((["maxRounds", "threshold", "minRelevant"] as const).find((f) => path === `corrective.${f}`) ?? "mode")
          : path.startsWith("fusion")
            ? path.endsWith("bm25")
              ? "bm25"
              : path.endsWith("vector")
                ? "vector"
                : path.endsWith(".c")
                  ? "c"
                  : "method"
            : null;
    if (field) out[field] = out[field] ? `${out[field]}; ${text}` : text;
  }
  return out;
}

/**
 * What-if replay: the run's query again with other k, fusion, rerank or top n, recorded as a new run, and
 * what changed against this one (the top n's passages, ranks, nDCG@5 when the query has labels).
 */
export function WhatIfPanel({ run }: { run: RunRecord }) {
  const id = useId();
  const [form, setForm] = useState<FormState>(() => formOf(run));
  const [empty, setEmpty] = useState<FieldName[]>([]);
  const replay = useReplay(run.runId);
  const serverErrors = replay.isError ? fieldErrors(replay.error.message) : {};
  const errorOf = (f: FieldName) => (empty.includes(f) ? "Enter a number." : serverErrors[f]);
  const set = <K extends keyof FormState>(key: K, value: FormState[K]) => setForm((s) => ({ ...s, [key]: value }));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const request = requestOf(form);
    if ("empty" in request) {
      setEmpty(request.empty);
      replay.reset();
      return;
    }
    setEmpty([]);
    replay.mutate(request);
  };

  const input = (
    f: FieldName,
    props: { min?: number; max?: number; step?: string; disabled?: boolean },
    placeholder?: string,
  ) => {
    const error = errorOf(f);
    return (
      <Field id={`${id}-${f}`} label={LABELS[f]}>
        <input
          id={`${id}-${f}`}
          name={f}
          type="number"
          inputMode="decimal"
          className={`${inputClass} font-mono ${error ? "border-red-500" : ""}`}
          value={form[f as "k"]}
          onChange={(e) => set(f as "k", e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-${f}-error` : undefined}
          data-testid={`what-if-${f}`}
          placeholder={placeholder}
          {...props}
        />
        {error && (
          <span id={`${id}-${f}-error`} className="text-xs text-red-700" data-testid="what-if-field-error">
            {error}
          </span>
        )}
      </Field>
    );
  };

  const model = run.rerankModel ? `${run.rerankModel.id}@${run.rerankModel.version}` : null;
  const methodError = errorOf("method");
  const messages = empty.length
    ? `Fill in ${empty.map((f) => LABELS[f]).join(", ")}.`
    : replay.isError
      ? replay.error.message
      : null;

  return (
    <Panel title="What-if replay" bodyClassName="flex flex-col gap-3 px-3 py-3" data-testid="what-if">
      <form onSubmit={submit} noValidate className="flex flex-col gap-3" aria-describedby={`${id}-help`}>
        <p id={`${id}-help`} className="text-xs text-slate-600">
          Run the same query over the same documents with other settings; the replay is saved as a new run and compared
          with this one.
        </p>
        <div className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6">
          {input("k", { min: 1, max: 200, step: "1" })}
          {input("topN", { min: 1, max: 50, step: "1" })}
          <Field id={`${id}-method`} label="fusion">
            <select
              id={`${id}-method`}
              className={selectClass}
              value={form.method}
              onChange={(e) => {
                const method = e.target.value as Method;
                setForm((s) => ({ ...s, method, ...(method === "nvidia" ? NVIDIA_WEIGHTS : {}) }));
              }}
              aria-invalid={methodError ? true : undefined}
              aria-describedby={methodError ? `${id}-method-error` : undefined}
              data-testid="what-if-method"
            >
              <option value="minmax">min-max</option>
              <option value="rrf">RRF (weighted)</option>
              <option value="nvidia">NVIDIA preset (RRF 0.4 / 0.6)</option>
            </select>
            {methodError && (
              <span id={`${id}-method-error`} className="text-xs text-red-700" data-testid="what-if-field-error">
                {methodError}
              </span>
            )}
          </Field>
          {input("bm25", { min: 0, max: 1000, step: "0.1", disabled: form.method === "nvidia" })}
          {input("vector", { min: 0, max: 1000, step: "0.1", disabled: form.method === "nvidia" })}
          {form.method === "rrf" ? input("c", { min: 0, max: 100000, step: "1" }) : <div className="hidden lg:block" />}
          <Field id={`${id}-mode`} label="mode">
            <select
              id={`${id}-mode`}
              className={selectClass}
              value={form.mode}
              onChange={(e) => set("mode", e.target.value as Mode)}
              aria-invalid={errorOf("mode") ? true : undefined}
              aria-describedby={errorOf("mode") ? `${id}-mode-error` : undefined}
              data-testid="what-if-mode"
            >
              <option value="single">single</option>
              <option value="corrective">corrective</option>
            </select>
            {errorOf("mode") && (
              <span id={`${id}-mode-error`} className="text-xs text-red-700" data-testid="what-if-field-error">
                {errorOf("mode")}
              </span>
            )}
          </Field>
          {form.mode === "corrective" && (
            <>
              {input("maxRounds", { min: 1, max: 5, step: "1" }, "default")}
              {input("threshold", { min: 0, max: 1, step: "0.05" }, "default")}
              {input("minRelevant", { min: 1, max: 50, step: "1" }, "default")}
            </>
          )}
        </div>
        {form.mode === "corrective" && (
          <p className="text-xs text-slate-600" data-testid="what-if-corrective-help">
            Corrective: retrieve, rerank, grade the top {form.topN || "n"}; while fewer than min relevant pass, rewrite
            the query and go again, up to max rounds. The threshold applies to the reranker&apos;s score when no LLM
            grades; empty fields take {correctiveOf(run.params) ? "this run's" : "the server's"} settings.
          </p>
        )}
        <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
          <label className="inline-flex items-center gap-2 text-sm text-slate-800">
            <input
              type="checkbox"
              className="h-4 w-4 rounded border-slate-300 accent-indigo-600 focus-visible:outline-2 focus-visible:outline-indigo-600"
              checked={form.rerank}
              onChange={(e) => set("rerank", e.target.checked)}
              data-testid="what-if-rerank"
            />
            Rerank
          </label>
          <span className="text-xs text-slate-500">
            model: <span className="font-mono text-slate-700">{model ?? "the reranker worker's model"}</span>
            {" (the only one available)"}
          </span>
          <div className="ml-auto flex gap-2">
            <Button
              variant="ghost"
              onClick={() => {
                setForm(formOf(run));
                setEmpty([]);
                replay.reset();
              }}
            >
              Reset
            </Button>
            <Button type="submit" variant="primary" disabled={replay.isPending} data-testid="what-if-submit">
              {replay.isPending ? "Running…" : "Re-run"}
            </Button>
          </div>
        </div>
        {messages && (
          <ErrorNote>
            <span data-testid="what-if-error">The replay was not run: {messages}</span>
          </ErrorNote>
        )}
      </form>
      <div aria-live="polite">
        {replay.data && !replay.isPending && <ReplayDiff original={run} result={replay.data} />}
      </div>
    </Panel>
  );
}

const CHANGE_STYLE: Record<RankChange["change"], { label: string; tone: "green" | "red" | "gray" | "blue" | "amber" }> =
  {
    entered: { label: "entered", tone: "green" },
    left: { label: "left", tone: "red" },
    up: { label: "up", tone: "blue" },
    down: { label: "down", tone: "amber" },
    same: { label: "same", tone: "gray" },
  };

function ReplayDiff({ original, result }: { original: RunRecord; result: ReplayResult }) {
  const { run, comparison: c } = result;
  const loop = correctiveOf(run.params);
  const f3 = (v: number) => v.toFixed(3);
  const gain = c.ndcg5 ? c.ndcg5.replay - c.ndcg5.original : 0;
  return (
    <div className="flex flex-col gap-3 border-t border-slate-200 pt-3" data-testid="what-if-result">
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <span className="font-medium text-slate-800">Replay</span>
        <Link
          href={`/inspect/${run.runId}`}
          className="rounded font-mono text-xs text-indigo-700 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-600"
          data-testid="what-if-replay-link"
        >
          {run.runId}
        </Link>
        {run.reranked ? (
          <Badge tone="green">reranked</Badge>
        ) : (
          <Badge tone="amber">not reranked{run.rerankSkippedReason ? `: ${run.rerankSkippedReason}` : ""}</Badge>
        )}
        <span className="text-xs text-slate-500" data-testid="what-if-replay-settings">
          k {run.params.k} · top {runTopN(run)} · {describeFusion(run.params.fusion)} ·{" "}
          {loop
            ? `corrective, ${loop.rounds.length} round${loop.rounds.length === 1 ? "" : "s"} (${describeDecision(loop.rounds[loop.rounds.length - 1].decision).replace(/^Stopped: /, "stopped: ")})`
            : "single pass"}
        </span>
      </div>

      <dl className="grid grid-cols-2 gap-2 sm:grid-cols-4" data-testid="what-if-summary">
        <Stat label={`entered top ${c.topN.replay}`} value={String(c.entered.length)} testId="what-if-entered" />
        <Stat label={`left top ${c.topN.original}`} value={String(c.left.length)} testId="what-if-left" />
        <Stat label="candidates re-ranked" value={String(c.rankChanged)} testId="what-if-rank-changed" />
        {c.ndcg5 ? (
          <Stat
            label={`nDCG@5 (${c.ndcg5.judged} labelled)`}
            value={`${f3(c.ndcg5.original)} → ${f3(c.ndcg5.replay)}`}
            note={`${gain >= 0 ? "+" : "−"}${f3(Math.abs(gain))}`}
            noteTone={gain > 0 ? "text-emerald-700" : gain < 0 ? "text-red-700" : "text-slate-500"}
            testId="what-if-ndcg"
          />
        ) : (
          <div className="rounded bg-slate-50 px-2 py-1.5 text-xs text-slate-600" data-testid="what-if-no-labels">
            nDCG@5: label passages of “{original.query}” (Relevant / Partly / Not) to compare.
          </div>
        )}
      </dl>

      <div className="overflow-x-auto">
        <table className="w-full border-collapse text-left text-xs" data-testid="what-if-changes">
          <caption className="sr-only">
            Passages in the top {c.topN.original} of this run or the top {c.topN.replay} of the replay, and their ranks
            in each
          </caption>
          <thead className="bg-slate-50 text-[11px] uppercase tracking-wide text-slate-500">
            <tr>
              <th scope="col" className="px-2 py-1.5 font-medium">
                Passage
              </th>
              <th scope="col" className="w-px whitespace-nowrap px-2 py-1.5 text-right font-medium">
                This run
              </th>
              <th scope="col" className="w-px whitespace-nowrap px-2 py-1.5 text-right font-medium">
                Replay
              </th>
              <th scope="col" className="w-px whitespace-nowrap px-2 py-1.5 font-medium">
                Change
              </th>
            </tr>
          </thead>
          <tbody>
            {c.changes.map((row) => {
              const style = CHANGE_STYLE[row.change];
              return (
                <tr
                  key={row.chunkId}
                  className="border-t border-slate-100"
                  data-testid="what-if-change"
                  data-chunk-id={row.chunkId}
                  data-change={row.change}
                >
                  <td className="max-w-0 px-2 py-1">
                    <span className="block truncate text-slate-800" title={row.documentName}>
                      {row.documentName} <span className="font-mono text-[10px] text-slate-500">#{row.chunkId}</span>
                    </span>
                  </td>
                  <td className="px-2 py-1 text-right font-mono">{formatRank(row.originalRank)}</td>
                  <td className="px-2 py-1 text-right font-mono">{formatRank(row.replayRank)}</td>
                  <td className="px-2 py-1">
                    <Badge tone={style.tone}>
                      {style.label}
                      {row.originalRank != null && row.replayRank != null && row.change !== "same"
                        ? ` ${row.originalRank - row.replayRank > 0 ? "▲" : "▼"}${Math.abs(row.originalRank - row.replayRank)}`
                        : ""}
                    </Badge>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function Stat({
  label,
  value,
  note,
  noteTone = "",
  testId,
}: {
  label: string;
  value: string;
  note?: string;
  noteTone?: string;
  testId: string;
}) {
  return (
    <div className="rounded bg-slate-50 px-2 py-1.5" data-testid={testId}>
      <dt className="text-[11px] text-slate-500">{label}</dt>
      <dd className="font-mono text-sm font-semibold text-slate-900">
        <span data-testid={`${testId}-value`}>{value}</span>
        {note && <span className={`ml-2 text-xs ${noteTone}`}>{note}</span>}
      </dd>
    </div>
  );
}
