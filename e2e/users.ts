import path from "node:path";

// The e2e users. scripts/test.sh starts the app in AUTH_MODE=accounts with a first admin whose
// credentials it passes in E2E_ADMIN_EMAIL / E2E_ADMIN_PASSWORD; auth.setup.ts creates the others and
// saves each one's signed-in browser state. Specs run as alice unless they open a context as someone else.
export const PASSWORD = "e2e-password-0123";

export const USERS = {
  alice: { email: "alice@e2e.test", name: "Alice" },
  bob: { email: "bob@e2e.test", name: "Bob" },
} as const;

export type UserName = keyof typeof USERS | "admin";

/** Where each user's signed-in state is saved; E2E_AUTH_DIR keeps concurrent runs on one machine apart. */
export const storageStatePath = (user: UserName) =>
  path.join(process.env.E2E_AUTH_DIR ?? path.join(import.meta.dirname, ".auth"), `${user}.json`);

export const admin = () => ({
  email: process.env.E2E_ADMIN_EMAIL ?? "admin@e2e.test",
  password: process.env.E2E_ADMIN_PASSWORD ?? "",
});
