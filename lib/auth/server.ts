import "server-only";
import { betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { admin } from "better-auth/plugins";
import { getDb, type Db } from "@/db";
import { accounts, sessions, users, verifications } from "@/db/schema";
import { env } from "@/lib/env";
import { bootstrapAdmin } from "./users";
import { appOrigins, resolveAuthMode } from "./mode";
import { storedSecret } from "./secret";

export const SESSION_COOKIE_PREFIX = "ranklens";
const SESSION_DAYS = 7;

/** Better Auth over the app's database: email + password sign-in (no self sign-up), database sessions. */
export function createAuth(db: Db, secret: string) {
  const { baseUrl, origins } = appOrigins(env);
  return betterAuth({
    appName: "RankLens",
    baseURL: baseUrl,
    basePath: "/api/auth",
    secret,
    trustedOrigins: origins,
    database: drizzleAdapter(db, {
      provider: "pg",
      schema: { user: users, session: sessions, account: accounts, verification: verifications },
    }),
    // Accounts are created by the admin (lib/auth/users.ts); passwords are hashed with scrypt.
    emailAndPassword: { enabled: true, disableSignUp: true, minPasswordLength: 10, maxPasswordLength: 256 },
    session: { expiresIn: SESSION_DAYS * 24 * 3600, updateAge: 24 * 3600 },
    // Sign-in attempts per client IP (Better Auth's own limiter, in memory per instance).
    rateLimit: {
      enabled: true,
      window: 60,
      max: 100,
      customRules: { "/sign-in/email": { window: 60, max: 20 } },
    },
    advanced: {
      cookiePrefix: SESSION_COOKIE_PREFIX,
      useSecureCookies: baseUrl.startsWith("https://"),
      defaultCookieAttributes: { httpOnly: true, sameSite: "lax", path: "/" },
      ipAddress: { ipAddressHeaders: ["x-forwarded-for"] },
    },
    // banned users cannot sign in and lose their sessions (admin plugin); roles: admin | user.
    plugins: [admin({ defaultRole: "user", adminRoles: ["admin"] })],
    telemetry: { enabled: false },
  });
}

export type Auth = ReturnType<typeof createAuth>;

const globalForAuth = globalThis as unknown as { __ranklensAuth?: Promise<Auth> };

/**
 * The process's Better Auth instance; the first call in accounts mode also creates the first admin
 * when there is none (lib/auth/users.ts: bootstrapAdmin).
 */
export function getAuth(): Promise<Auth> {
  if (!globalForAuth.__ranklensAuth) {
    const opening = (async () => {
      const db = await getDb();
      const auth = createAuth(db, env.AUTH_SECRET ?? (await storedSecret(db, "auth")));
      if (resolveAuthMode(env) === "accounts")
        await bootstrapAdmin({ db, auth, email: env.ADMIN_EMAIL, password: env.ADMIN_PASSWORD });
      return auth;
    })();
    opening.catch(() => {
      if (globalForAuth.__ranklensAuth === opening) globalForAuth.__ranklensAuth = undefined;
    });
    globalForAuth.__ranklensAuth = opening;
  }
  return globalForAuth.__ranklensAuth;
}
