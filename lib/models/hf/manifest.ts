// models/<name>/manifest.json: what RankLens needs to know about a Hugging Face ONNX export that the
// export's own files don't say (pooling, prefixes, licence) plus checksums of those files.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";

export const MANIFEST_FILE = "manifest.json";
export const DEFAULT_MAX_LENGTH = 512;
/** Padded tokens per model call (batch size × longest sequence in the batch). */
export const DEFAULT_TOKEN_BUDGET = 16_384;

const relativePath = z
  .string()
  .min(1)
  .refine((p) => !path.isAbsolute(p) && !p.split(/[\\/]/).includes(".."), "must be a path inside the model folder");

export const hfManifestSchema = z
  .object({
    /** The model's id, e.g. the Hugging Face repository it came from ("intfloat/multilingual-e5-small"). */
    id: z.string().min(1).optional(),
    /** Revision (commit) the files were taken from; shown as the model's version. */
    revision: z.string().min(1).optional(),
    kind: z.enum(["embedder", "cross-encoder"]),
    /** Vector size of an embedder (checked against the model's output on first use). */
    dimension: z.number().int().positive().optional(),
    maxLength: z.number().int().min(8).default(DEFAULT_MAX_LENGTH),
    pooling: z.enum(["mean", "cls"]).default("mean"),
    normalize: z.boolean().default(true),
    queryPrefix: z.string().default(""),
    passagePrefix: z.string().default(""),
    tokenBudget: z.number().int().positive().default(DEFAULT_TOKEN_BUDGET),
    licence: z.string().min(1).default("unknown"),
    /** The ONNX file to run (e.g. "onnx/model.onnx" or "onnx/model_quantized.onnx"). */
    model: relativePath.default("onnx/model.onnx"),
    files: z
      .array(
        z.object({
          path: relativePath,
          sha256: z.string().regex(/^[0-9a-f]{64}$/),
          size: z.number().int().nonnegative().optional(),
        }),
      )
      .default([]),
  })
  .refine((m) => m.kind !== "embedder" || m.dimension !== undefined, {
    message: "an embedder's manifest needs its dimension",
    path: ["dimension"],
  });

export type HfManifest = z.output<typeof hfManifestSchema>;
export type HfManifestInput = z.input<typeof hfManifestSchema>;

export function parseManifest(value: unknown, source = MANIFEST_FILE): HfManifest {
  const result = hfManifestSchema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new Error(`invalid ${source}: ${issues}`);
  }
  return result.data;
}

/** Reads and validates `<dir>/manifest.json`; null when the folder has none. */
export async function readManifest(dir: string): Promise<HfManifest | null> {
  const file = path.join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
  return parseManifest(JSON.parse(text), file);
}

export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    createReadStream(file)
      .on("data", (chunk) => hash.update(chunk))
      .on("error", reject)
      .on("end", () => resolve(hash.digest("hex")));
  });
}

/** Checks every listed file's size and sha256; throws naming the first that differs or is missing. */
export async function verifyManifestFiles(dir: string, manifest: HfManifest): Promise<void> {
  for (const f of manifest.files) {
    const file = path.join(dir, f.path);
    const info = await stat(file).catch(() => null);
    if (!info) throw new Error(`${f.path} is listed in the manifest but missing from ${dir}`);
    if (f.size !== undefined && info.size !== f.size)
      throw new Error(`${f.path}: ${info.size} bytes, the manifest says ${f.size}`);
    const actual = await sha256File(file);
    if (actual !== f.sha256) throw new Error(`${f.path}: sha256 ${actual} does not match the manifest (${f.sha256})`);
  }
}

type HfConfig = {
  _name_or_path?: string;
  architectures?: string[];
  hidden_size?: number;
  d_model?: number;
  dim?: number;
  max_position_embeddings?: number;
  model_type?: string;
};

/**
 * A manifest for an export folder that has none (e.g. copied by hand from the hub): kind from the
 * architecture, dimension from hidden_size, max length from config and tokenizer, mean pooling, no prefixes.
 */
export async function inferManifest(dir: string): Promise<HfManifest> {
  const config = JSON.parse(await readFile(path.join(dir, "config.json"), "utf8")) as HfConfig;
  const tokenizerConfig = await readFile(path.join(dir, "tokenizer_config.json"), "utf8").then(
    (t) => JSON.parse(t) as { model_max_length?: number },
    () => ({}) as { model_max_length?: number },
  );
  const crossEncoder = (config.architectures ?? []).some((a) => a.endsWith("ForSequenceClassification"));
  const model = await firstExisting(dir, [
    "onnx/model.onnx",
    "model.onnx",
    "onnx/model_quantized.onnx",
    "model_quantized.onnx",
  ]);
  if (!model) throw new Error(`no ONNX model in ${dir} (looked for onnx/model.onnx and model.onnx)`);
  // XLM-R and RoBERTa reserve two positions for the padding offset.
  const positions = config.max_position_embeddings
    ? config.max_position_embeddings - (config.model_type === "xlm-roberta" || config.model_type === "roberta" ? 2 : 0)
    : DEFAULT_MAX_LENGTH;
  const fromTokenizer =
    tokenizerConfig.model_max_length && tokenizerConfig.model_max_length < 1e6
      ? tokenizerConfig.model_max_length
      : Infinity;
  return parseManifest(
    {
      id: config._name_or_path || path.basename(dir),
      kind: crossEncoder ? "cross-encoder" : "embedder",
      dimension: crossEncoder ? undefined : (config.hidden_size ?? config.d_model ?? config.dim),
      maxLength: Math.min(DEFAULT_MAX_LENGTH, positions, fromTokenizer),
      model,
    },
    path.join(dir, "config.json"),
  );
}

async function firstExisting(dir: string, candidates: string[]): Promise<string | null> {
  for (const c of candidates) {
    if (
      await stat(path.join(dir, c)).then(
        (s) => s.isFile(),
        () => false,
      )
    )
      return c;
  }
  return null;
}

/** The folder's manifest, or one inferred from its config.json when it has none. */
export async function loadManifest(dir: string): Promise<HfManifest> {
  return (await readManifest(dir)) ?? inferManifest(dir);
}
