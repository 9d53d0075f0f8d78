// Tokenisation from a model's tokenizer.json through @huggingface/tokenizers (the library transformers.js
// uses). We only decide where to cut: the tokenizer's own post-processor adds the special tokens, so BERT's
// [CLS] a [SEP] b [SEP] and XLM-R's <s> a </s></s> b </s> both come from the model's files.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";

export interface Encoded {
  ids: number[];
  typeIds: number[];
  /** Tokens cut off to fit the max length (special tokens never are). */
  truncated: number;
}

export interface HfTokenizer {
  /** One sequence, with the model's special tokens, cut to at most maxLength tokens. */
  encode(text: string, maxLength: number): Encoded;
  /** A sequence pair (query, passage), cut longest-first to at most maxLength tokens. */
  encodePair(a: string, b: string, maxLength: number): Encoded;
  /** Word pieces without special tokens. */
  tokenize(text: string): string[];
  readonly padId: number;
}

type TokenizerConfig = { pad_token?: string | { content?: string } };

type PostProcess = (
  tokens: string[],
  pair?: string[] | null,
  addSpecialTokens?: boolean,
) => {
  tokens: string[];
  token_type_ids?: number[];
};

export async function loadHfTokenizer(dir: string): Promise<HfTokenizer> {
  const json = JSON.parse(await readFile(path.join(dir, "tokenizer.json"), "utf8")) as object;
  const config = await readFile(path.join(dir, "tokenizer_config.json"), "utf8").then(
    (t) => JSON.parse(t) as TokenizerConfig,
    () => ({}) as TokenizerConfig,
  );
  return createHfTokenizer(json, config);
}

export function createHfTokenizer(json: object, config: TokenizerConfig = {}): HfTokenizer {
  const tokenizer = new Tokenizer(json, config);
  const post = tokenizer.post_processor as unknown as PostProcess | null;
  const postProcess = (a: string[], b: string[] | null) => {
    if (post) {
      const out = post(a, b, true);
      return { tokens: out.tokens, typeIds: out.token_type_ids ?? out.tokens.map(() => 0) };
    }
    return { tokens: [...a, ...(b ?? [])], typeIds: [...a.map(() => 0), ...(b ?? []).map(() => 1)] };
  };
  const specialsSingle = postProcess([], null).tokens.length;
  const specialsPair = postProcess([], []).tokens.length;
  const unk = tokenizer.token_to_id(tokenizerUnk(json) ?? "[UNK]") ?? 0;
  const toIds = (tokens: string[]) => tokens.map((t) => tokenizer.token_to_id(t) ?? unk);
  const padToken = typeof config.pad_token === "string" ? config.pad_token : config.pad_token?.content;
  const tokenize = (text: string) => tokenizer.tokenize(text, { add_special_tokens: false });

  return {
    padId: (padToken !== undefined ? tokenizer.token_to_id(padToken) : undefined) ?? 0,
    tokenize,
    encode(text, maxLength) {
      const tokens = tokenize(text);
      const room = Math.max(0, maxLength - specialsSingle);
      const kept = tokens.length > room ? tokens.slice(0, room) : tokens;
      const out = postProcess(kept, null);
      return { ids: toIds(out.tokens), typeIds: out.typeIds, truncated: tokens.length - kept.length };
    },
    encodePair(a, b, maxLength) {
      const ta = tokenize(a);
      const tb = tokenize(b);
      const [na, nb] = longestFirst(ta.length, tb.length, Math.max(0, maxLength - specialsPair));
      const out = postProcess(ta.slice(0, na), tb.slice(0, nb));
      return { ids: toIds(out.tokens), typeIds: out.typeIds, truncated: ta.length - na + tb.length - nb };
    },
  };
}

function tokenizerUnk(json: object): string | undefined {
  return (json as { model?: { unk_token?: string } }).model?.unk_token;
}

/**
 * Lengths after Hugging Face's "longest_first" truncation: tokens come off the longer sequence one at a
 * time, so a short query stays whole and the passage takes the rest.
 */
export function longestFirst(a: number, b: number, budget: number): [number, number] {
  if (a + b <= budget) return [a, b];
  const half = Math.floor(budget / 2);
  if (a <= half) return [a, budget - a];
  if (b <= half) return [budget - b, b];
  return [budget - half, half];
}
