import { defineConfig } from "drizzle-kit";

// Only generates SQL from db/schema; migrations are applied by db/migrate.ts for PGlite and PostgreSQL alike.
export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema/index.ts",
  out: "./drizzle",
  strict: true,
});
