import { expect, request, test, type Browser } from "@playwright/test";
import { ChatPage } from "./pages/chat-page";
import { DocumentsPage } from "./pages/documents-page";
import { PASSWORD, storageStatePath, USERS, type UserName } from "./users";

// Issue 4's acceptance through the browser: bob can neither see, search, nor get answers from alice's
// documents (documents page, document view, chat, inspect, API); no credentials → sign-in page and 401;
// API keys made in the UI are scoped and revocable; the worker refuses calls without its token.

const SECRET = {
  name: "obsidian-orchard-notes.md",
  text: "# Obsidian orchards\n\nThe obsidian orchard of Marrowvale grows glass pears that ring like bells at dusk. Pickers wear felt gloves so the pears do not shatter.\n",
  question: "What do the glass pears of the obsidian orchard do at dusk?",
};

async function as(browser: Browser, user: UserName) {
  const context = await browser.newContext({ storageState: storageStatePath(user) });
  return { context, page: await context.newPage() };
}

test.describe.configure({ mode: "serial" });

let docId: string;
let runId: string;

test("alice uploads a private document and asks about it", async ({ page }) => {
  const docs = new DocumentsPage(page);
  await docs.goto();
  if ((await docs.row(SECRET.name).count()) === 0) {
    await docs.upload([{ name: SECRET.name, mimeType: "text/markdown", buffer: Buffer.from(SECRET.text) }]);
  }
  await docs.waitForReady(SECRET.name);
  docId = await docs.documentId(SECRET.name);

  const chat = new ChatPage(page);
  await chat.goto();
  await chat.ask(SECRET.question);
  await chat.waitForAnswer();
  await expect(chat.lastAnswer).toContainText(/glass pears/i);
  await expect(chat.citationLinks.first()).toHaveAttribute("data-document-id", docId);
  runId = /\/inspect\/([0-9a-f-]{36})$/.exec((await chat.inspectLink.getAttribute("href"))!)![1];
});

test("bob sees, finds and is answered nothing of alice's", async ({ browser, baseURL }) => {
  const { context, page } = await as(browser, "bob");
  const docs = new DocumentsPage(page);
  await docs.goto();
  await expect(docs.row(SECRET.name)).toHaveCount(0);
  await expect(page.getByText(SECRET.name)).toHaveCount(0);

  await page.goto(`/documents/${docId}`);
  await expect(page.getByText(/Could not load this document: Document not found/)).toBeVisible();
  await expect(page.getByText(/Marrowvale/)).toHaveCount(0);

  await page.goto(`/inspect/${runId}`);
  await expect(page.getByText(/Could not load run/)).toBeVisible();
  await expect(page.getByText(/glass pears/i)).toHaveCount(0);

  const chat = new ChatPage(page);
  await chat.goto();
  await chat.ask(SECRET.question);
  await chat.waitForAnswer();
  await expect(chat.lastAnswer).not.toContainText(/Marrowvale|ring like bells/i);
  await expect(chat.citationLinks.and(page.locator(`[data-document-id="${docId}"]`))).toHaveCount(0);

  // The API answers bob the same way, by cookie.
  expect((await page.request.get(`/api/documents/${docId}`)).status()).toBe(404);
  expect((await page.request.get(`/api/documents/${docId}/content`)).status()).toBe(404);
  expect((await page.request.get(`/api/runs/${runId}`)).status()).toBe(404);
  const found = await (
    await page.request.post("/api/search", { data: { query: "obsidian orchard glass pears" } })
  ).json();
  expect(found.results.map((r: { documentId: string }) => r.documentId)).not.toContain(docId);
  const del = await page.request.delete(`/api/documents/${docId}`, { headers: { origin: baseURL! } });
  expect(del.status()).toBe(404);
  await context.close();
});

test("without credentials: pages go to sign-in, the API answers 401", async ({ browser, baseURL }) => {
  // Contexts made inside a test inherit the project's storage state (alice): start from an empty one.
  const anonymous = await request.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
  for (const path of ["/api/documents", `/api/documents/${docId}`, `/api/runs/${runId}`, "/api/me", "/api/keys"]) {
    const res = await anonymous.get(path);
    expect(res.status(), path).toBe(401);
    expect(res.headers()["www-authenticate"]).toMatch(/^Bearer/);
  }
  expect((await anonymous.post("/api/search", { data: { query: "obsidian" } })).status()).toBe(401);

  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  await page.goto("/documents");
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fdocuments$/);
  await page.getByLabel("Email").fill(USERS.bob.email);
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert").filter({ hasText: /wrong email or password/i })).toBeVisible();
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/documents$/);
  await new DocumentsPage(page).waitForList();
  await context.close();
});

test("API keys made in the UI: read keys read, cannot write, stop working when revoked", async ({ page, baseURL }) => {
  await page.goto("/settings");
  await page.getByLabel("Key name").fill("e2e read key");
  await page.getByLabel("Scope").selectOption("read");
  await page.getByRole("button", { name: "Create key" }).click();
  const shown = page.getByLabel("New API key");
  await expect(shown).toHaveText(/^rlk_[A-Za-z0-9_-]{43}$/);
  const key = (await shown.textContent())!;

  const withKey = await request.newContext({
    baseURL,
    storageState: { cookies: [], origins: [] },
    extraHTTPHeaders: { authorization: `Bearer ${key}` },
  });
  const list = await withKey.get("/api/documents");
  expect(list.status()).toBe(200);
  expect((await list.json()).documents.map((d: { id: string }) => d.id)).toContain(docId);
  const write = await withKey.post("/api/documents", {
    multipart: { file: { name: "k.txt", mimeType: "text/plain", buffer: Buffer.from("written with a read key") } },
  });
  expect(write.status()).toBe(403);
  expect((await withKey.delete(`/api/documents/${docId}`)).status()).toBe(403);

  await page.reload();
  const row = page.locator('[data-testid="api-key-row"][data-name="e2e read key"]');
  page.once("dialog", (dialog) => dialog.accept());
  await row.getByRole("button", { name: "Revoke" }).click();
  await expect(row).toContainText("Revoked");
  expect((await withKey.get("/api/documents")).status()).toBe(401);
});

test("the reranker worker refuses calls without its token", async () => {
  // scripts/test.sh starts the suite's worker with a WORKER_TOKEN and names it in E2E_WORKER_URL.
  const workerUrl = process.env.E2E_WORKER_URL ?? "http://127.0.0.1:3001";
  const worker = await request.newContext({ baseURL: workerUrl, storageState: { cookies: [], origins: [] } });
  const body = { query: "q", candidates: [{ id: "1", text: "passage" }] };
  expect((await worker.post("/rerank", { data: body })).status()).toBe(401);
  expect((await worker.post("/v1/ranking", { data: body, headers: { authorization: "Bearer wrong" } })).status()).toBe(
    401,
  );
  expect((await worker.get("/health/ready")).status()).toBe(200);
});
