import type { Db } from "@/db";
import { listUsersWithLabels } from "@/db/queries/labels";
import { errorMessage } from "@/lib/errors";
import { evaluateGoldenSetIfChanged, type GoldenDeps } from "./golden";

/**
 * Re-evaluates every user's golden set every `intervalMs` (0: never), skipping users whose judgements,
 * documents and reranker are unchanged since their last evaluation. One pass at a time; the timer is
 * unref'd so it never keeps the process alive.
 */
export function startGoldenSchedule({
  intervalMs,
  getDeps,
  listUsers = listUsersWithLabels,
  log = (line: string) => console.log(line),
}: {
  intervalMs: number;
  getDeps: () => Promise<GoldenDeps>;
  listUsers?: (args: { db: Db }) => Promise<string[]>;
  log?: (line: string) => void;
}): { stop(): void; tick(): Promise<number> } {
  let running: Promise<number> | null = null;
  const pass = async () => {
    const deps = await getDeps();
    let evaluated = 0;
    for (const userId of await listUsers({ db: deps.db })) {
      try {
        if (await evaluateGoldenSetIfChanged({ ...deps, userId })) evaluated++;
      } catch (e) {
        log(`[golden] evaluation failed for a user: ${errorMessage(e)}`);
      }
    }
    if (evaluated > 0) log(`[golden] evaluated ${evaluated} golden set(s)`);
    return evaluated;
  };
  const tick = () => {
    running ??= pass()
      .catch((e) => {
        log(`[golden] scheduled evaluation failed: ${errorMessage(e)}`);
        return 0;
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  const timer = intervalMs > 0 ? setInterval(() => void tick(), intervalMs) : null;
  timer?.unref();
  return {
    stop: () => {
      if (timer) clearInterval(timer);
    },
    tick,
  };
}
