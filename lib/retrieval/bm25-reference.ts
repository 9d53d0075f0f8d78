// A plain TypeScript Okapi BM25 over pre-analysed documents: the oracle db/queries/retrieval.ts's SQL is
// tested against. Same formula: Lucene idf ln(1 + (N - df + 0.5) / (df + 0.5)), and per query term
// idf · tf·(k1 + 1) / (tf + k1·(1 - b + b·dl/avgdl)), N and avgdl over all documents, dl = Σ tf.

export type AnalysedDocument = { id: number; terms: Map<string, number> | Record<string, number> };

export type Bm25Options = { k1?: number; b?: number };

export const luceneIdf = (n: number, df: number): number => Math.log(1 + (n - df + 0.5) / (df + 0.5));

const entries = (terms: AnalysedDocument["terms"]): [string, number][] =>
  terms instanceof Map ? [...terms] : Object.entries(terms);

export class Bm25Index {
  private readonly docs: { id: number; tf: Map<string, number>; dl: number }[];
  private readonly df = new Map<string, number>();
  readonly avgdl: number;

  constructor(documents: AnalysedDocument[]) {
    this.docs = documents.map((d) => {
      const tf = new Map(entries(d.terms).filter(([, n]) => n > 0));
      let dl = 0;
      for (const [term, n] of tf) {
        dl += n;
        this.df.set(term, (this.df.get(term) ?? 0) + 1);
      }
      return { id: d.id, tf, dl };
    });
    this.avgdl = this.docs.length ? this.docs.reduce((s, d) => s + d.dl, 0) / this.docs.length : 0;
  }

  get size(): number {
    return this.docs.length;
  }

  idf(term: string): number {
    const df = this.df.get(term) ?? 0;
    return df === 0 ? 0 : luceneIdf(this.docs.length, df);
  }

  /**
   * Documents containing at least one query term, score desc then id asc. queryTerms are analysed
   * terms; duplicates count once. `ids` restricts which documents are returned (not the statistics).
   */
  search(
    queryTerms: string[],
    { k1 = 0.9, b = 0.4, k = Infinity, ids }: Bm25Options & { k?: number; ids?: Set<number> } = {},
  ): { chunkId: number; score: number }[] {
    const terms = [...new Set(queryTerms)].filter((t) => this.df.has(t));
    const out: { chunkId: number; score: number }[] = [];
    for (const d of this.docs) {
      if (ids && !ids.has(d.id)) continue;
      let score = 0;
      let matched = false;
      for (const t of terms) {
        const tf = d.tf.get(t);
        if (!tf) continue;
        matched = true;
        score += (this.idf(t) * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * d.dl) / this.avgdl));
      }
      if (matched) out.push({ chunkId: d.id, score });
    }
    out.sort((x, y) => y.score - x.score || x.chunkId - y.chunkId);
    return out.slice(0, k);
  }
}
