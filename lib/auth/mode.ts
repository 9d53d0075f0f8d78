import type { Env } from "@/lib/env";
import { isLoopbackHost } from "@/lib/net/loopback";

export type AuthMode = "local" | "accounts";

/**
 * AUTH_MODE, or (unset) local when the app listens on a loopback address only and accounts otherwise.
 * local on a non-loopback HOST would hand everyone on the network one shared, unauthenticated user: refused.
 */
export function resolveAuthMode(env: Pick<Env, "AUTH_MODE" | "HOST">): AuthMode {
  const loopback = isLoopbackHost(env.HOST);
  if (env.AUTH_MODE === "local" && !loopback) {
    throw new Error(
      `AUTH_MODE=local needs a loopback HOST (it is ${env.HOST}): anyone who can reach the app would act as the one local user. ` +
        `Use AUTH_MODE=accounts, or HOST=127.0.0.1.`,
    );
  }
  return env.AUTH_MODE ?? (loopback ? "local" : "accounts");
}

/**
 * The origins a cookie-authenticated browser request may come from: APP_URL (or http://HOST:PORT),
 * on a loopback HOST also its localhost / 127.0.0.1 spellings, and TRUSTED_ORIGINS.
 */
export function appOrigins(env: Pick<Env, "APP_URL" | "HOST" | "PORT" | "TRUSTED_ORIGINS">): {
  baseUrl: string;
  origins: string[];
} {
  const host = env.HOST.includes(":") && !env.HOST.startsWith("[") ? `[${env.HOST}]` : env.HOST;
  const baseUrl = (
    env.APP_URL ?? `http://${host === "0.0.0.0" || host === "[::]" ? "localhost" : host}:${env.PORT}`
  ).replace(/\/+$/, "");
  const origins = new Set([new URL(baseUrl).origin]);
  if (!env.APP_URL && isLoopbackHost(env.HOST)) {
    for (const h of ["localhost", "127.0.0.1", "[::1]"]) origins.add(`http://${h}:${env.PORT}`);
  }
  for (const o of (env.TRUSTED_ORIGINS ?? "").split(",")) {
    const t = o.trim();
    if (t) origins.add(new URL(t).origin);
  }
  return { baseUrl, origins: [...origins] };
}
