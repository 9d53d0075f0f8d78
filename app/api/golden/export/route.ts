import { getDb } from "@/db";
import { listGoldenJudgements } from "@/db/queries/labels";
import { getChunksByIds } from "@/db/queries/retrieval";
import { guard } from "@/lib/auth/guard";
import { viewerOf } from "@/lib/auth/principal";
import { errorResponse } from "@/lib/errors";
import { goldenToBeir } from "@/lib/eval/golden-export";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * The caller's golden set in BEIR layout, as a download: one JSON object whose keys are the files
 * (`corpus.jsonl`, `queries.jsonl`, `qrels/test.tsv`) and whose values are their contents.
 */
export async function GET(request: Request) {
  try {
    const principal = await guard(request, { need: "read", surface: "labels" });
    const db = await getDb();
    const golden = await listGoldenJudgements({ db, userId: principal.userId });
    const ids = [...new Set(golden.flatMap((q) => q.labels.map((l) => l.chunkId)))];
    const passages = await getChunksByIds({ db, ids, viewer: viewerOf(principal) });
    return Response.json(goldenToBeir(golden, passages), {
      headers: { "content-disposition": 'attachment; filename="ranklens-golden-beir.json"' },
    });
  } catch (error) {
    return errorResponse(error, "labels");
  }
}
