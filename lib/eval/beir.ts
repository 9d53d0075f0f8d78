import { createReadStream } from "node:fs";
import { access, readFile } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";

export interface BeirDocument {
  id: string;
  title: string;
  text: string;
}
export interface BeirQuery {
  id: string;
  text: string;
}
/** query id → (doc id → graded relevance > 0) */
export type Qrels = Map<string, Map<string, number>>;

export interface BeirDataset {
  name: string;
  dir: string;
  corpus: BeirDocument[];
  queries: BeirQuery[];
  qrels: Qrels;
}

async function readJsonl<T>(file: string): Promise<T[]> {
  const out: T[] = [];
  const lines = createInterface({ input: createReadStream(file, "utf8"), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      throw new Error(`${file}:${n}: not valid JSON`);
    }
  }
  return out;
}

/** Loads a BEIR-layout folder (corpus.jsonl, queries.jsonl, qrels.tsv or qrels/test.tsv). */
export async function loadBeir(dir: string): Promise<BeirDataset> {
  const abs = path.resolve(dir);
  const need = async (f: string) => {
    try {
      await access(path.join(abs, f));
      return path.join(abs, f);
    } catch {
      return null;
    }
  };
  const corpusFile = await need("corpus.jsonl");
  const queriesFile = await need("queries.jsonl");
  const qrelsFile = (await need("qrels.tsv")) ?? (await need("qrels/test.tsv"));
  if (!corpusFile || !queriesFile || !qrelsFile) {
    throw new Error(`${abs} is not a BEIR dataset (needs corpus.jsonl, queries.jsonl and qrels.tsv)`);
  }
  const corpus = (await readJsonl<{ _id: string; title?: string; text?: string }>(corpusFile)).map((d) => ({
    id: String(d._id),
    title: d.title ?? "",
    text: d.text ?? "",
  }));
  const qrels: Qrels = new Map();
  const rows = (await readFile(qrelsFile, "utf8")).split(/\r?\n/);
  for (const [i, row] of rows.entries()) {
    const [q, d, s] = row.split("\t");
    if (!row.trim() || (i === 0 && q === "query-id")) continue;
    const score = Number(s);
    if (!q || !d || !Number.isFinite(score)) throw new Error(`${qrelsFile}:${i + 1}: expected query-id, corpus-id, score`);
    if (score <= 0) continue;
    if (!qrels.has(q)) qrels.set(q, new Map());
    qrels.get(q)!.set(d, score);
  }
  const queries = (await readJsonl<{ _id: string; text: string }>(queriesFile))
    .map((q) => ({ id: String(q._id), text: q.text }))
    .filter((q) => qrels.has(q.id));
  return { name: path.basename(abs), dir: abs, corpus, queries, qrels };
}

/** The text RankLens indexes for a BEIR document. */
export function documentText(d: BeirDocument): string {
  return d.title ? `${d.title}\n\n${d.text}` : d.text;
}
