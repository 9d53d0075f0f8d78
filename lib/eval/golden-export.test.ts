import { describe, expect, it } from "vitest";
import { goldenToBeir } from "./golden-export";
import { loadBeir } from "./beir";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

const golden = [
  {
    goldenQueryId: "q-1",
    query: "basalt columns",
    labels: [
      { chunkId: 7, documentId: "d-1", grade: 2 as const },
      { chunkId: 3, documentId: "d-1", grade: 0 as const },
      { chunkId: 99, documentId: "d-gone", grade: 1 as const },
    ],
  },
  { goldenQueryId: "q-2", query: "gone only", labels: [{ chunkId: 98, documentId: "d-gone", grade: 2 as const }] },
];
const passages = [
  { chunkId: 3, documentName: "a.txt", text: "Lava cools." },
  { chunkId: 7, documentName: "a.txt", text: 'Basalt "columns" form.' },
];

describe("goldenToBeir", () => {
  it("writes corpus, queries and graded qrels for the passages that still exist", () => {
    expect(goldenToBeir(golden, passages)).toEqual({
      "corpus.jsonl":
        '{"_id":"3","title":"a.txt","text":"Lava cools."}\n{"_id":"7","title":"a.txt","text":"Basalt \\"columns\\" form."}\n',
      "queries.jsonl": '{"_id":"q-1","text":"basalt columns"}\n',
      "qrels/test.tsv": "query-id\tcorpus-id\tscore\nq-1\t7\t2\nq-1\t3\t0\n",
    });
  });

  it("is read back by the BEIR loader", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "golden-beir-"));
    try {
      const files = goldenToBeir(golden, passages);
      await mkdir(path.join(dir, "qrels"));
      for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
      const ds = await loadBeir(dir);
      expect(ds.corpus.map((d) => d.id)).toEqual(["3", "7"]);
      expect(ds.queries).toEqual([{ id: "q-1", text: "basalt columns" }]);
      expect(ds.qrels.get("q-1")?.get("7")).toBe(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
