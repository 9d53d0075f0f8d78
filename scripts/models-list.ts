// npm run models:list [-- --json]: the model folders in MODELS_DIR (starter models and Hugging Face
// exports), their kind and dimension, and which embedder and reranker are active.
import path from "node:path";
import { env } from "@/lib/env";
import { formatModelList, modelListRows } from "@/lib/models/models-list";
import { listInstalledModels, resolveActiveModels } from "@/lib/models/registry";

async function main() {
  const dir = path.resolve(env.MODELS_DIR);
  const active = await resolveActiveModels(env);
  const rows = modelListRows(await listInstalledModels(dir), active);
  console.log(
    process.argv.includes("--json")
      ? JSON.stringify({ modelsDir: dir, active, models: rows }, null, 2)
      : formatModelList(rows, active, dir),
  );
}

main().catch((e: Error) => {
  console.error(`models:list: ${e.message}`);
  process.exit(1);
});
