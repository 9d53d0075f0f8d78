// npm run models:pull -- <huggingface-id> [--variant quantized] [--revision <rev>]
// Downloads an ONNX export and its tokenizer from HF_ENDPOINT (default https://huggingface.co) into
// MODELS_DIR/<owner>--<name>; an interrupted download resumes where it stopped; every file is checked.
import path from "node:path";
import { env } from "@/lib/env";
import { progressLine, pullModel, type PullProgress } from "@/lib/models/hf/pull";

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i === -1) return undefined;
  const value = args[i + 1];
  if (!value || value.startsWith("--")) throw new Error(`${name} needs a value`);
  return value;
}

async function main() {
  const args = process.argv.slice(2);
  const variant = option(args, "--variant");
  const revision = option(args, "--revision");
  const id = args.find((a, i) => !a.startsWith("--") && !["--variant", "--revision"].includes(args[i - 1]));
  if (!id) throw new Error("usage: npm run models:pull -- <huggingface-id> [--variant quantized] [--revision <rev>]");
  const tty = process.stderr.isTTY;
  let lastFile = "";
  let lastDraw = 0;
  const draw = (p: PullProgress) => {
    const done = p.received >= p.total;
    if (tty) {
      // Redraw at most ten times a second, and always the final state of a file.
      if (!done && p.file === lastFile && Date.now() - lastDraw < 100) return;
      process.stderr.write(`\r\x1b[2K${progressLine(p)}${done ? "\n" : ""}`);
    } else if (done && p.file !== lastFile) {
      process.stderr.write(`${progressLine(p)}\n`);
    }
    lastFile = done ? p.file : "";
    lastDraw = Date.now();
  };
  const result = await pullModel({
    id,
    variant,
    revision,
    modelsDir: path.resolve(env.MODELS_DIR),
    endpoint: env.HF_ENDPOINT,
    onProgress: draw,
  });
  const m = result.manifest;
  const skipped = result.files.filter((f) => f.skipped).length;
  console.log(
    `${m.id} → ${result.dir}: ${m.kind}${m.dimension ? `, dimension ${m.dimension}` : ""}, max length ${m.maxLength}, ` +
      `${m.kind === "embedder" ? `${m.pooling} pooling, ` : ""}licence ${m.licence}, revision ${m.revision}` +
      (skipped ? ` (${skipped} file(s) already in place)` : ""),
  );
  console.log(
    `edit ${path.join(result.dir, "manifest.json")} to set prefixes or pooling; \`npm run models:list\` shows it.`,
  );
}

main().catch((e: Error) => {
  process.stderr.write("\n");
  console.error(`models:pull: ${e.message}`);
  process.exit(1);
});
