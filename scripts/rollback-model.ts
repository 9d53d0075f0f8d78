// npm run models:rollback [-- <version>]
// Without a version: lists the reranker head versions (the active one marked). With one: makes it the
// active head, rebuilds the reranker model from it, and tells running workers to reload
// (POST /admin/reload with WORKER_TOKEN). `builtin` is the committed head.json.
import { env } from "@/lib/env";
import { activateHeadVersion } from "@/lib/models/starter/activate";
import { listHeadVersions } from "@/lib/models/starter/head-versions";
import { reloadRerankerWorkersAndReport } from "@/lib/models/worker-reload";

async function main() {
  const version = process.argv.slice(2).find((a) => !a.startsWith("-"));
  const versions = await listHeadVersions(env.MODELS_DIR);
  if (!version) {
    console.log("| version | created | trained on | held-out nDCG@10 | mean gain | |\n|---|---|---|---|---|---|");
    for (const v of versions) {
      const m = v.metrics;
      console.log(
        `| ${v.version} | ${v.createdAt || "committed"} | ${v.trainedOn} | ${m ? m.meanCandidateNdcg10.toFixed(4) : "-"} | ${m ? m.meanGain.toFixed(4) : "-"} | ${v.active ? "active" : (v.unfit ?? "")} |`,
      );
    }
    console.log("\nmodels: roll back with npm run models:rollback -- <version>");
    return;
  }
  const chosen = versions.find((v) => v.version === version);
  if (!chosen) {
    throw new Error(`no head version "${version}" (installed: ${versions.map((v) => v.version).join(", ")})`);
  }
  if (chosen.unfit) throw new Error(`cannot roll back: ${chosen.unfit}`);
  console.log(`models: activating ${version} and rebuilding the reranker (reads the word vectors, ~10 s)…`);
  const { previous, model } = await activateHeadVersion({ modelsDir: env.MODELS_DIR, version });
  console.log(`models: active head ${previous} → ${version}; model ${model.id}@${model.version}`);
  await reloadRerankerWorkersAndReport("models", {
    url: env.RERANKER_URL,
    token: env.WORKER_TOKEN,
    protocol: env.RERANKER_PROTOCOL,
  });
}

main().catch((e) => {
  console.error(`models: ${(e as Error).message}`);
  process.exit(1);
});
