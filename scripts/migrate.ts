// npm run db:migrate — applies drizzle/ to DATABASE_URL, or to the PGlite directory (taking its lock,
// so it refuses while the app is running).
import { openDb } from "@/db";
import { env } from "@/lib/env";

async function main() {
  const target = env.DATABASE_URL ? { url: env.DATABASE_URL } : { pgliteDir: env.PGLITE_DIR };
  const { close } = await openDb(target);
  await close();
  console.log(`migrations applied to ${env.DATABASE_URL ? "DATABASE_URL" : `PGlite at ${env.PGLITE_DIR}`}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
