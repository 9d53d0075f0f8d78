import { expect, test, type Page, type Response } from "@playwright/test";
import { XSS_PAYLOADS, xssHtml, xssMarkdown, xssQuestion } from "./fixtures/xss";
import { ChatPage } from "./pages/chat-page";
import { DocumentsPage } from "./pages/documents-page";
import { InspectPage } from "./pages/inspect-page";

// Issue 4 (safe rendering): a document whose name and text are XSS payloads renders inert on every page.

declare global {
  interface Window {
    __xss?: number;
  }
}

/** Records anything a payload could do that the page itself never does. */
function watch(page: Page) {
  const dialogs: string[] = [];
  const cspViolations: string[] = [];
  page.on("dialog", async (dialog) => {
    dialogs.push(dialog.message());
    await dialog.dismiss();
  });
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to (execute|load|apply)/i.test(message.text())) {
      cspViolations.push(message.text());
    }
  });
  return { dialogs, cspViolations };
}

async function expectInert(page: Page, seen: ReturnType<typeof watch>) {
  // Let any injected handler (onerror, onload) get its chance to run.
  await page.waitForTimeout(300);
  expect(await page.evaluate(() => window.__xss)).toBeUndefined();
  await expect(page.locator('img[src="x"]')).toHaveCount(0);
  await expect(page.locator("svg[onload], img[onerror], body[onload], iframe")).toHaveCount(0);
  await expect(page.locator('[href^="javascript:" i], [src^="javascript:" i]')).toHaveCount(0);
  expect(seen.dialogs).toEqual([]);
  // The app itself runs under the CSP without a single violation.
  expect(seen.cspViolations).toEqual([]);
}

function expectSecurityHeaders(response: Response | null) {
  expect(response).not.toBeNull();
  const headers = response!.headers();
  expect(headers["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
  expect(headers["content-security-policy"]).toContain("object-src 'none'");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["x-frame-options"]).toBe("DENY");
}

test("a document full of XSS payloads renders inert on every page", async ({ page }) => {
  const seen = watch(page);
  const docs = new DocumentsPage(page);

  expectSecurityHeaders(await page.goto("/documents"));
  await docs.waitForList();
  const files = [xssMarkdown, xssHtml];
  const missing = [];
  for (const f of files) if ((await docs.row(f.name).count()) === 0) missing.push(f);
  if (missing.length > 0) {
    await docs.upload(missing);
    for (const f of missing) await expect(docs.uploadItem(f.name)).toHaveAttribute("data-status", "done");
  }
  for (const f of files) await docs.waitForReady(f.name);

  // Documents page: the names are text.
  for (const f of files) await expect(docs.row(f.name).getByText(f.name, { exact: true })).toBeVisible();
  await expectInert(page, seen);

  // After a reload, the names come from the server rather than the upload list.
  expectSecurityHeaders(await page.reload());
  await docs.waitForList();
  for (const f of files) await expect(docs.row(f.name).getByText(f.name, { exact: true })).toBeVisible();
  await expectInert(page, seen);

  // Document view: title and body are text, the payloads readable as written.
  const markdownId = await docs.documentId(xssMarkdown.name);
  const htmlId = await docs.documentId(xssHtml.name);
  expectSecurityHeaders(await page.goto(`/documents/${markdownId}`));
  await expect(page.getByTestId("document-title")).toHaveText(xssMarkdown.name);
  for (const payload of XSS_PAYLOADS) await expect(page.getByTestId("document-text")).toContainText(payload);
  await expectInert(page, seen);

  expectSecurityHeaders(await page.goto(`/documents/${htmlId}`));
  await expect(page.getByTestId("document-title")).toHaveText(xssHtml.name);
  await expect(page.getByTestId("document-text")).toContainText("<script>window.__xss=1</script>");
  await expect(page.getByTestId("document-text")).toContainText('<img src=x onerror="window.__xss=1">');
  await expectInert(page, seen);

  // The document content API is JSON, never the upload's own type.
  const content = await page.request.get(`/api/documents/${htmlId}/content`);
  expect(content.headers()["content-type"]).toMatch(/^application\/json/);
  expect(content.headers()["x-content-type-options"]).toBe("nosniff");

  // Chat: the extractive answer quotes the payload sentences, and the sources list the names.
  const chat = new ChatPage(page);
  expectSecurityHeaders(await page.goto("/chat"));
  await expect(chat.input).toBeVisible();
  await chat.ask(xssQuestion);
  await chat.waitForAnswer();
  await expect(chat.answerText).toContainText("Zephyrine");
  await expect(chat.answerText).toContainText("<svg onload=window.__xss=1>");
  await expect(chat.lastAnswer.getByTestId("source-link").getByText(xssMarkdown.name, { exact: true })).toBeVisible();
  await expectInert(page, seen);

  // Inspect: passages and names are text; the injected instruction is flagged.
  const inspectHref = await chat.inspectLink.getAttribute("href");
  expect(inspectHref).toMatch(/^\/inspect\/[0-9a-f-]{36}$/);
  const inspect = new InspectPage(page);
  expectSecurityHeaders(await page.goto(inspectHref!));
  await expect(inspect.query).toContainText(xssQuestion);
  const rows = inspect.rows(inspect.rerankTable);
  await expect(rows.first()).toBeVisible();
  await expect(rows.getByText(xssMarkdown.name, { exact: true }).first()).toBeVisible();
  const injected = rows.filter({ hasText: "Ignore all previous instructions" }).first();
  const flag = injected.getByTestId("instruction-flag");
  await expect(flag).toBeVisible();
  await expect(flag).toContainText("instruction-like text");
  await expect(flag).toHaveAttribute("title", /asks to ignore earlier instructions/);
  // A passage without such text (the HTML document's) carries no flag.
  const clean = rows.filter({ hasText: "Zephyrine quartz lantern glass is cut by hand" });
  await expect(clean).not.toHaveCount(0);
  await expect(clean.getByTestId("instruction-flag")).toHaveCount(0);
  await injected.click();
  await expect(page.getByTestId("inspect-passage-text").first()).toContainText("<svg onload=window.__xss=1>");
  await expectInert(page, seen);
});
