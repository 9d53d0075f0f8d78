import { expect, test } from "@playwright/test";
import { glasswing, sampleDocuments, tidalClock } from "./fixtures/files";
import { ChatPage } from "./pages/chat-page";
import { DocumentsPage } from "./pages/documents-page";
import { InspectPage } from "./pages/inspect-page";

test("upload two documents, ask, get a cited streamed answer, inspect both rankings", async ({ page }) => {
  const docs = new DocumentsPage(page);
  await docs.goto();
  const missing = [];
  for (const f of sampleDocuments) if ((await docs.row(f.name).count()) === 0) missing.push(f);
  if (missing.length > 0) await docs.upload(missing.map((f) => f.path));
  for (const f of missing) await expect(docs.uploadItem(f.name)).toHaveAttribute("data-status", "done");
  for (const f of sampleDocuments) {
    await docs.waitForReady(f.name);
    await expect(docs.row(f.name).getByTestId("document-chunks")).not.toHaveText("0");
  }
  const glasswingId = await docs.documentId(glasswing.name);
  const tidalClockId = await docs.documentId(tidalClock.name);
  expect(glasswingId).not.toBe(tidalClockId);

  const chat = new ChatPage(page);
  await chat.goto();
  await chat.ask(glasswing.question);
  await chat.waitForAnswer();

  // The answer cites the glasswing document, first of all.
  await expect(chat.citationLinks.first()).toBeVisible();
  await expect(chat.citationLinks.first()).toHaveAttribute("data-document-id", glasswingId);
  const href = await chat.citationLinks.first().getAttribute("href");
  expect(href).toMatch(new RegExp(`^/documents/${glasswingId}\\?chunk=\\d+$`));
  await expect(chat.lastAnswer.getByTestId("source-link").first()).toHaveText(glasswing.name);

  // The live panel shows the run behind the answer.
  await expect(chat.livePanel.getByTestId("live-pre-rerank").getByTestId("live-row").first()).toBeVisible();

  const inspectHref = await chat.inspectLink.getAttribute("href");
  expect(inspectHref).toMatch(/^\/inspect\/[0-9a-f-]{36}$/);

  // A citation opens its chunk, highlighted, in the document.
  await chat.citationLinks.first().click();
  await expect(page).toHaveURL(new RegExp(`/documents/${glasswingId}\\?chunk=\\d+$`));
  await expect(page.getByTestId("chunk-highlight")).toBeVisible();
  await expect(page.getByTestId("chunk-highlight")).toContainText(/glasswing/i);

  const inspect = new InspectPage(page);
  await page.goto(inspectHref!);
  await expect(inspect.query).toContainText("Veltrane glasswing");
  await expect(inspect.timings).toBeVisible();
  await expect(inspect.rows(inspect.fusedTable).first()).toBeVisible();
  await expect(inspect.rows(inspect.rerankTable).first()).toBeVisible();
  expect(await inspect.rows(inspect.fusedTable).count()).toBeGreaterThanOrEqual(2);
  expect(await inspect.rows(inspect.rerankTable).count()).toBeGreaterThanOrEqual(2);
  await expect(inspect.fusedTable.locator('[data-testid="inspect-row"][data-in-answer="true"]').first()).toBeVisible();

  // Selecting a row in one table highlights the same chunk in the other.
  const first = inspect.rows(inspect.rerankTable).first();
  const chunkId = await first.getAttribute("data-chunk-id");
  await first.click();
  await expect(inspect.fusedTable.locator(`[data-testid="inspect-row"][data-chunk-id="${chunkId}"]`)).toHaveAttribute(
    "data-selected",
    "true",
  );
});
