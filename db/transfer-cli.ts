// The command-line shell db:export and db:import share: the database flags, usage, opening the database
// (without migrating: each command decides what to migrate), and exit codes (0 done, 1 failed, 2 usage).
import fs from "node:fs";
import path from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { env } from "@/lib/env";
import { progressBar } from "@/lib/eval/progress";
import { openDb, type Db } from "./index";
import { chooseDatabase, TransferError, type MakeProgress } from "./transfer";

type Values = Record<string, string | boolean | undefined>;

export function runTransferCommand({
  usage,
  flags,
  required,
  existing = false,
  run,
}: {
  usage: string;
  flags: NonNullable<ParseArgsConfig["options"]>;
  required: string;
  /** The database must exist already: opening a missing PGlite directory would create an empty one. */
  existing?: boolean;
  run(args: { values: Values; db: Db; description: string; makeProgress: MakeProgress }): Promise<void>;
}): void {
  const main = async (): Promise<number> => {
    const values = parseArgs({
      options: {
        ...flags,
        "database-url": { type: "string" },
        "pglite-dir": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }).values as Values;
    if (values.help || !values[required]) {
      console.error(`usage: ${usage}`);
      return values.help ? 0 : 2;
    }
    const { target, description } = chooseDatabase(
      {
        databaseUrl: values["database-url"] as string | undefined,
        pgliteDir: values["pglite-dir"] as string | undefined,
      },
      env,
    );
    if (existing && target.pgliteDir && !fs.existsSync(path.join(target.pgliteDir, "PG_VERSION"))) {
      throw new TransferError(`no PGlite database at ${target.pgliteDir}`);
    }
    const opened = await openDb({ ...target, migrate: false });
    try {
      await run({ values, db: opened.db, description, makeProgress: progressBar });
    } finally {
      await opened.close();
    }
    return 0;
  };
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(1);
    },
  );
}
