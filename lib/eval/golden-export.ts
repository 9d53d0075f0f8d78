// The golden set in BEIR layout (what lib/eval/beir.ts and `npm run eval --dataset` read).
import type { GoldenJudgements } from "@/db/queries/labels";

export type BeirFiles = { "corpus.jsonl": string; "queries.jsonl": string; "qrels/test.tsv": string };

/**
 * Corpus ids are chunk ids, query ids golden-query ids. Only passages that still exist and the user can
 * read are in the corpus, and only judgements of those are in the qrels (graded 0–2, as judged); queries
 * left with no judgement are dropped.
 */
export function goldenToBeir(
  golden: GoldenJudgements[],
  passages: { chunkId: number; documentName: string; text: string }[],
): BeirFiles {
  const byId = new Map(passages.map((p) => [p.chunkId, p]));
  const used = new Set<number>();
  const queries: string[] = [];
  const qrels = ["query-id\tcorpus-id\tscore"];
  for (const q of golden) {
    const labels = q.labels.filter((l) => byId.has(l.chunkId));
    if (labels.length === 0) continue;
    queries.push(JSON.stringify({ _id: q.goldenQueryId, text: q.query }));
    for (const l of labels) {
      used.add(l.chunkId);
      qrels.push(`${q.goldenQueryId}\t${l.chunkId}\t${l.grade}`);
    }
  }
  const corpus = [...used]
    .sort((a, b) => a - b)
    .map((id) => JSON.stringify({ _id: String(id), title: byId.get(id)!.documentName, text: byId.get(id)!.text }));
  const lines = (xs: string[]) => (xs.length ? `${xs.join("\n")}\n` : "");
  return { "corpus.jsonl": lines(corpus), "queries.jsonl": lines(queries), "qrels/test.tsv": lines(qrels) };
}
