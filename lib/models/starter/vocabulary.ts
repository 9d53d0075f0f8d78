import { readFile } from "node:fs/promises";
import path from "node:path";

/** Word → row of the model's vector table. Row 0 is padding and out-of-vocabulary words. */
export class Vocabulary {
  private readonly ids: Map<string, number>;

  constructor(words: readonly string[]) {
    this.ids = new Map(words.map((w, i) => [w, i + 1]));
  }

  static async load(dir: string): Promise<Vocabulary> {
    return new Vocabulary(JSON.parse(await readFile(path.join(dir, "vocab.json"), "utf8")) as string[]);
  }

  id(word: string): number {
    return this.ids.get(word) ?? 0;
  }

  get size(): number {
    return this.ids.size;
  }
}
