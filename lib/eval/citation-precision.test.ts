import { describe, expect, it } from "vitest";
import type { SearchResultRow } from "@/lib/retrieval/search";
import { citationPrecision, citedDocuments } from "./citation-precision";

const row = (chunkId: number, documentName: string, text: string, rerankScore: number): SearchResultRow => ({
  chunkId,
  documentId: `uuid-${documentName}`,
  documentName,
  text,
  charStart: 0,
  charEnd: text.length,
  bm25Rank: chunkId,
  bm25Score: 1,
  vectorRank: chunkId,
  vectorScore: 0.5,
  fusedRank: chunkId,
  fusedScore: 1,
  rerankRank: chunkId,
  rerankScore,
});

describe("citation precision", () => {
  it("is the share of cited passages whose document is relevant, pooled over queries (hand-computed)", () => {
    const qrels = new Map([
      [
        "q1",
        new Map([
          ["d1", 1],
          ["d2", 2],
          ["d3", 0],
        ]),
      ],
      ["q2", new Map([["d9", 1]])],
      ["q3", new Map([["d5", 1]])],
    ]);
    const r = citationPrecision(
      [
        // q1 cites d1 (relevant), d3 (judged not relevant), d4 (unjudged): 1 of 3.
        { queryId: "q1", citedDocumentIds: ["d1", "d3", "d4"] },
        // q2 cites d9 twice (two passages of one relevant document): 2 of 2.
        { queryId: "q2", citedDocumentIds: ["d9", "d9"] },
        // q3's answer was "not found": it adds nothing.
        { queryId: "q3", citedDocumentIds: [] },
      ],
      qrels,
    );
    expect(r.cited).toBe(5);
    expect(r.relevantCited).toBe(3);
    expect(r.citationPrecision).toBeCloseTo(3 / 5);
    expect(r.answeredQueries).toBe(2);
    expect(r.perQueryMean).toBeCloseTo((1 / 3 + 1) / 2);
    expect(citationPrecision([{ queryId: "q3", citedDocumentIds: [] }], qrels).citationPrecision).toBeNull();
  });

  it("reads the cited passages off the extractive answer", () => {
    const results = [
      row(1, "d1", "Kernel pooling improves reranking of passages. It was introduced in 2017.", 0.9),
      row(2, "d2", "Unrelated text about cooking pasta and sauces.", 0.5),
      row(3, "d3", "Reranking with kernel pooling uses soft matches between words.", 0.4),
    ];
    const cited = citedDocuments("kernel pooling reranking", results, { topN: 3 });
    expect(cited.length).toBeGreaterThan(0);
    expect(cited).not.toContain("d2");
    expect(new Set(cited).size).toBeLessThanOrEqual(cited.length);
    expect(cited.every((d) => ["d1", "d3"].includes(d))).toBe(true);
    // Nothing is cited when the answer is "not found".
    expect(citedDocuments("kernel pooling", results, { topN: 3, minScore: 0.95 })).toEqual([]);
  });
});
