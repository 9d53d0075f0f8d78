import fs from "node:fs";
import path from "node:path";
import { expect, request, test as setup, type APIRequestContext } from "@playwright/test";
import { admin, PASSWORD, storageStatePath, USERS, type UserName } from "./users";

// Signs in the admin, creates alice and bob (idempotent: 409 when they exist), and saves each user's
// session cookie as a Playwright storage state. Against an app in local mode there is nobody to sign in:
// every state is empty and the specs run as the local user.

async function signIn(baseURL: string, email: string, password: string, user: UserName): Promise<APIRequestContext> {
  const ctx = await request.newContext({ baseURL, extraHTTPHeaders: { origin: baseURL } });
  const res = await ctx.post("/api/auth/sign-in/email", { data: { email, password } });
  expect(res.status(), `${user} signs in: ${await res.text()}`).toBe(200);
  await ctx.storageState({ path: storageStatePath(user) });
  return ctx;
}

setup("sign in the e2e users", async ({ baseURL }) => {
  fs.mkdirSync(path.dirname(storageStatePath("admin")), { recursive: true });
  const probe = await request.newContext({ baseURL });
  const me = await probe.get("/api/me");
  if (me.ok() && (await me.json()).mode === "local") {
    for (const user of ["admin", ...Object.keys(USERS)] as UserName[]) {
      fs.writeFileSync(storageStatePath(user), JSON.stringify({ cookies: [], origins: [] }));
    }
    return;
  }
  const { email, password } = admin();
  expect(password, "E2E_ADMIN_PASSWORD must name the app's first admin's password").not.toBe("");
  const adminCtx = await signIn(baseURL!, email, password, "admin");
  for (const [user, { email: userEmail, name }] of Object.entries(USERS)) {
    const res = await adminCtx.post("/api/admin/users", { data: { email: userEmail, name, password: PASSWORD } });
    expect([201, 409], `create ${user}: ${await res.text()}`).toContain(res.status());
    await signIn(baseURL!, userEmail, PASSWORD, user as UserName);
  }
});
