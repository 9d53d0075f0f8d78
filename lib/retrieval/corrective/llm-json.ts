import { generateText } from "ai";
import type { z } from "zod";

import { createLlm, type LlmConfig } from "@/lib/generate/llm";

// One structured call to the configured OpenAI-compatible LLM: a prompt asking for a JSON object, the reply
// validated with zod. Any failure (HTTP, timeout, not JSON, wrong shape) is returned, never thrown, so the
// caller can fall back to its no-LLM path and record why.

export interface TokenUsage {
  input: number;
  output: number;
  total: number;
}

export type LlmJsonOutcome<T> =
  { ok: true; value: T; usage?: TokenUsage } | { ok: false; reason: string; usage?: TokenUsage };

/** The JSON object in a reply, tolerating a ```json fence or prose around it. */
export function extractJsonObject(text: string): unknown {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text);
  const body = (fenced ? fenced[1] : text).trim();
  const start = body.indexOf("{");
  const end = body.lastIndexOf("}");
  if (start < 0 || end < start) throw new Error("no JSON object in the reply");
  return JSON.parse(body.slice(start, end + 1));
}

const short = (s: string) => (s.length > 200 ? `${s.slice(0, 200)}…` : s);

export async function callLlmJson<S extends z.ZodType>({
  config,
  system,
  prompt,
  schema,
  timeoutMs = 30_000,
}: {
  config: LlmConfig;
  system: string;
  prompt: string;
  schema: S;
  timeoutMs?: number;
}): Promise<LlmJsonOutcome<z.output<S>>> {
  let text: string;
  let usage: TokenUsage | undefined;
  try {
    const result = await generateText({
      model: createLlm(config),
      system,
      prompt,
      temperature: 0,
      // The no-LLM path is the recovery; retries would only add seconds.
      maxRetries: 0,
      abortSignal: AbortSignal.timeout(timeoutMs),
    });
    text = result.text;
    const u = result.usage;
    if (u && (u.inputTokens !== undefined || u.outputTokens !== undefined)) {
      const input = u.inputTokens ?? 0;
      const output = u.outputTokens ?? 0;
      usage = { input, output, total: u.totalTokens ?? input + output };
    }
  } catch (error) {
    return { ok: false, reason: `LLM call failed: ${short(error instanceof Error ? error.message : String(error))}` };
  }
  let json: unknown;
  try {
    json = extractJsonObject(text);
  } catch (error) {
    return {
      ok: false,
      reason: `LLM reply is not JSON (${short(error instanceof Error ? error.message : String(error))})`,
      ...(usage ? { usage } : {}),
    };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(reply)"}: ${i.message}`).join("; ");
    return { ok: false, reason: `LLM reply has the wrong shape: ${short(issues)}`, ...(usage ? { usage } : {}) };
  }
  return { ok: true, value: parsed.data, ...(usage ? { usage } : {}) };
}
