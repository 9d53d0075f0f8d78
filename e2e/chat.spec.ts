import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { expectNoSeriousA11yViolations } from "./axe";
import { glasswing, sampleDocuments, tidalClock } from "./fixtures/files";
import { ChatPage } from "./pages/chat-page";
import { DocumentsPage } from "./pages/documents-page";

// The chat experience: streamed answers with citation chips, follow-ups that search with the
// conversation, questions limited to chosen documents, saved conversations (list, reload, continue,
// delete), stop and regenerate, copy, the keyboard, the error state, and the page at 1440 and 375 px.

const FOLLOW_UP = "Who built it?";

// Each test asks, reloads and runs axe more than once on a shared, loaded machine: more than the default 90 s.
test.describe.configure({ timeout: 180_000 });

async function shot(page: Page, testInfo: TestInfo, name: string, fullPage = false) {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage });
  await testInfo.attach(name, { path, contentType: "image/png" });
}

/** Uploads the sample documents unless they are there; returns their ids by name. */
async function sampleIds(page: Page): Promise<Record<string, string>> {
  const docs = new DocumentsPage(page);
  await docs.goto();
  const missing = [];
  for (const f of sampleDocuments) if ((await docs.row(f.name).count()) === 0) missing.push(f);
  if (missing.length > 0) await docs.upload(missing.map((f) => f.path));
  const ids: Record<string, string> = {};
  for (const f of sampleDocuments) {
    await docs.waitForReady(f.name);
    ids[f.name] = await docs.documentId(f.name);
  }
  return ids;
}

async function noHorizontalOverflow(page: Page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
}

test("ask: a streamed answer with citation chips; a chip opens the passage highlighted", async ({ page }, testInfo) => {
  const ids = await sampleIds(page);
  const chat = new ChatPage(page);
  await chat.goto();
  await expect(page.getByTestId("chat-empty")).toBeVisible();
  await shot(page, testInfo, "chat-empty-1440");
  await expectNoSeriousA11yViolations(page, testInfo, "chat-empty");

  await chat.ask(glasswing.question);
  await chat.waitForAnswer();
  const chip = chat.sourceChips.first();
  await expect(chip).toHaveText(glasswing.name);
  await expect(chip).toHaveAttribute("data-document-id", ids[glasswing.name]);
  await expect(chat.lastAnswer.getByTestId("citation-chip").first()).toContainText("1");
  await expect(chat.inspectLink).toHaveAttribute("href", /^\/inspect\/[0-9a-f-]{36}$/);
  await expect(chat.lastAnswer.getByTestId("searched-for")).toHaveCount(0); // the first question is searched as asked
  await shot(page, testInfo, "chat-answered-1440");
  await expectNoSeriousA11yViolations(page, testInfo, "chat-answered");
  // Dark (the theme follows the system by default): the saved conversation, reloaded.
  await page.emulateMedia({ colorScheme: "dark" });
  await page.reload();
  await expect(chat.sourceChips.first()).toHaveText(glasswing.name);
  await shot(page, testInfo, "chat-answered-1440-dark");
  await expectNoSeriousA11yViolations(page, testInfo, "chat-answered-dark");
  await page.emulateMedia({ colorScheme: "light" });

  const chunkId = await chip.getAttribute("data-chunk-id");
  await chip.click();
  await expect(page).toHaveURL(new RegExp(`/documents/${ids[glasswing.name]}\\?chunk=${chunkId}$`));
  await expect(page.getByTestId("chunk-highlight")).toBeVisible();
  await expect(page.getByTestId("chunk-highlight")).toHaveAttribute("data-chunk-id", chunkId!);
  await expect(page.getByTestId("chunk-highlight")).toBeInViewport();
});

test("a follow-up searches with the conversation; the chat and the inspect view show it", async ({ page }, testInfo) => {
  const ids = await sampleIds(page);
  const chat = new ChatPage(page);
  await chat.goto();
  await chat.ask(tidalClock.question);
  await chat.waitForAnswer();
  await chat.ask(FOLLOW_UP);
  await chat.waitForAnswer();

  await expect(chat.searchedFor).toHaveText(/^Who built it\? quillmarsh tidal clock/);
  await expect(chat.sourceChips.first()).toHaveAttribute("data-document-id", ids[tidalClock.name]);
  await shot(page, testInfo, "chat-follow-up-1440");

  await chat.inspectLink.click();
  await expect(page.getByTestId("inspect-conversation")).toBeVisible();
  await expect(page.getByTestId("inspect-conversation-question")).toHaveText(FOLLOW_UP);
  await expect(page.getByTestId("inspect-conversation-query")).toHaveText(/^Who built it\? quillmarsh tidal clock/);
  await expect(page.getByTestId("inspect-conversation-context")).toContainText(tidalClock.question);
  await expect(page.getByTestId("inspect-query")).toContainText("quillmarsh tidal clock");
  await shot(page, testInfo, "inspect-conversation-context-1440");
});

test("a question limited to one document cites only it, shown as chips on the question", async ({ page }, testInfo) => {
  const ids = await sampleIds(page);
  const chat = new ChatPage(page);
  await chat.goto();
  await chat.limitTo([ids[glasswing.name]]);
  await expect(page.getByTestId("scope-chip")).toHaveText([new RegExp(glasswing.name)]);
  await chat.ask("How does the Quillmarsh tidal clock keep time, and what do glasswing moths feed on?");
  await chat.waitForAnswer();

  await expect(page.getByTestId("user-message").last().getByTestId("question-scope-chip")).toContainText(glasswing.name);
  await expect(chat.sourceChips.first()).toBeVisible();
  for (const id of await chat.sourceChips.evaluateAll((els) => els.map((e) => e.getAttribute("data-document-id")))) {
    expect(id).toBe(ids[glasswing.name]);
  }
  // Every candidate of the run came from that document.
  const rows = chat.livePanel.getByTestId("live-pre-rerank").getByTestId("live-row");
  await expect(rows.first()).toBeVisible();
  for (const text of await rows.allInnerTexts()) expect(text).toContain(glasswing.name);
  await shot(page, testInfo, "chat-scoped-1440");

  // The scope is kept with the conversation.
  await page.reload();
  await expect(page.getByTestId("scope-chip")).toHaveText([new RegExp(glasswing.name)]);
});

test("conversations are listed, restored on reload, continued, and deleted", async ({ page }, testInfo) => {
  await sampleIds(page);
  const chat = new ChatPage(page);
  await chat.goto();
  await chat.ask(tidalClock.question);
  await chat.waitForAnswer();
  const id = await chat.conversationId();
  const item = chat.conversationItem(id);
  await expect(item).toContainText(tidalClock.question);
  await expect(item.getByTestId("conversation-link")).toHaveAttribute("aria-current", "page");

  await page.reload();
  await expect(chat.answers).toHaveCount(1);
  await expect(page.getByTestId("user-message")).toHaveText([tidalClock.question]);
  await expect(chat.sourceChips.first()).toHaveText(tidalClock.name);
  await expect(chat.inspectLink).toHaveAttribute("href", /^\/inspect\/[0-9a-f-]{36}$/);
  // The rankings panel reads the restored answer's run.
  await expect(chat.livePanel.getByTestId("live-pre-rerank").getByTestId("live-row").first()).toContainText(
    tidalClock.name,
  );

  await page.locator("aside").getByTestId("new-conversation").click();
  await expect(page).toHaveURL(/\/chat$/);
  await expect(page.getByTestId("chat-empty")).toBeVisible();

  await item.getByTestId("conversation-link").click();
  await expect(page).toHaveURL(new RegExp(`/chat\\?c=${id}$`));
  await expect(chat.answers).toHaveCount(1);
  await chat.ask(FOLLOW_UP);
  await chat.waitForAnswer();
  await expect(chat.answers).toHaveCount(2);
  await expect(chat.searchedFor).toContainText("quillmarsh tidal clock");
  await expect(item).toContainText("2 questions");
  await shot(page, testInfo, "chat-continued-1440", true);

  await item.getByTestId("delete-conversation").click();
  await item.getByTestId("confirm-delete-conversation").click();
  await expect(item).toHaveCount(0);
  await expect(page).toHaveURL(/\/chat$/);
  await expect(page.getByTestId("chat-empty")).toBeVisible();
  await page.goto(`/chat?c=${id}`);
  await expect(page.getByTestId("conversation-error")).toContainText("No conversation with this id.");
});

test("stop keeps the partial answer (also after a reload); regenerate replaces it", async ({ page }, testInfo) => {
  await sampleIds(page);
  const chat = new ChatPage(page);
  await chat.goto();
  // A slow network keeps the answer streaming long enough to stop it half-way.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 0,
    downloadThroughput: 1200,
    uploadThroughput: -1,
  });
  await chat.ask(glasswing.question);
  const text = chat.answerText;
  await expect.poll(async () => Number(await text.getAttribute("data-chars")), { timeout: 60_000 }).toBeGreaterThan(0);
  await chat.stopButton.click();
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });

  await expect(chat.submit).toBeVisible();
  await expect(chat.lastAnswer.getByTestId("answer-stopped")).toBeVisible();
  await expect(chat.lastAnswer).toHaveAttribute("data-streaming", "false");
  const kept = Number(await text.getAttribute("data-chars"));
  expect(kept).toBeGreaterThan(0);
  await shot(page, testInfo, "chat-stopped-1440");

  // The saved turn is cut where the user stopped.
  const id = await chat.conversationId();
  await expect
    .poll(async () => {
      const res = await page.request.get(`/api/conversations/${id}`);
      const body = (await res.json()) as { turns: { status: string; answer: string | null }[] };
      return [body.turns[0].status, body.turns[0].answer?.length ?? 0];
    })
    .toEqual(["stopped", kept]);
  await page.reload();
  await expect(chat.lastAnswer.getByTestId("answer-stopped")).toBeVisible();
  await expect(chat.answerText).toHaveAttribute("data-chars", String(kept));

  // Regenerate asks again, replacing the stopped answer.
  const runBefore = await chat.inspectLink.getAttribute("href");
  await chat.lastAnswer.getByTestId("regenerate").click();
  await expect(chat.lastAnswer).toHaveAttribute("data-streaming", "false");
  await expect(chat.inspectLink).not.toHaveAttribute("href", runBefore!);
  await expect(chat.answers).toHaveCount(1);
  await expect(chat.lastAnswer.getByTestId("answer-stopped")).toHaveCount(0);
  await expect.poll(async () => Number(await chat.answerText.getAttribute("data-chars"))).toBeGreaterThan(kept);
  await page.reload();
  await expect(chat.answers).toHaveCount(1);
  await expect(chat.lastAnswer.getByTestId("answer-stopped")).toHaveCount(0);
});

test("copy puts the answer and its sources on the clipboard", async ({ page, context, baseURL }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseURL! });
  await sampleIds(page);
  const chat = new ChatPage(page);
  await chat.goto();
  await chat.ask(glasswing.question);
  await chat.waitForAnswer();
  await chat.lastAnswer.getByTestId("copy-answer").click();
  await expect(chat.lastAnswer.getByTestId("copy-status")).toHaveText("Answer and sources copied");
  await expect(chat.lastAnswer.getByTestId("copy-answer")).toHaveText("✓ Copied");
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied).toMatch(/\[1\]/);
  expect(copied).toContain(`Sources:\n[1] ${glasswing.name} — ${baseURL}/documents/`);
});

test("Enter sends, Shift+Enter adds a line; the controls are reachable by keyboard", async ({ page }) => {
  await sampleIds(page);
  const chat = new ChatPage(page);
  await chat.goto();
  await chat.input.click();
  await page.keyboard.type("Veltrane glasswing moths:");
  await page.keyboard.press("Shift+Enter");
  await page.keyboard.type("what do they feed on?");
  await expect(chat.input).toHaveValue("Veltrane glasswing moths:\nwhat do they feed on?");
  await expect(page.getByTestId("user-message")).toHaveCount(0);
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("user-message")).toHaveCount(1);
  await expect(page.getByTestId("user-message").locator("p")).toHaveText(
    "Veltrane glasswing moths:\nwhat do they feed on?",
    { useInnerText: true },
  );
  await expect(chat.input).toHaveValue("");
  await expect(chat.lastAnswer).toHaveAttribute("data-streaming", "false", { timeout: 60_000 });

  // Tab from the question box reaches the document picker; Space opens it, Escape closes it.
  await page.getByTestId("document-picker-toggle").focus();
  await page.keyboard.press("Space");
  await expect(page.getByTestId("document-picker")).toBeVisible();
  await page.getByTestId("document-picker-filter").focus();
  await page.keyboard.press("Escape");
  await expect(page.getByTestId("document-picker")).toHaveCount(0);
  // The copy and regenerate buttons and the source chips are focusable.
  await chat.lastAnswer.getByTestId("copy-answer").focus();
  await page.keyboard.press("Tab");
  await expect(chat.lastAnswer.getByTestId("regenerate")).toBeFocused();
});

test("an error shows its message, the request id and a retry", async ({ page, baseURL }, testInfo) => {
  await sampleIds(page);
  const docs = new DocumentsPage(page);
  await docs.goto();
  const name = "chat-error-scope.txt";
  await docs.upload([{ name, mimeType: "text/plain", buffer: Buffer.from("Ephemeral notes about basalt ledges.") }]);
  await docs.waitForReady(name);
  const doomed = await docs.documentId(name);

  const chat = new ChatPage(page);
  await chat.goto();
  await chat.limitTo([doomed]);
  // The document goes while it is still chosen: the question names a document that no longer exists.
  const del = await page.request.delete(`/api/documents/${doomed}`, { headers: { origin: baseURL! } });
  expect(del.status()).toBe(204);
  await chat.ask("What do the notes say about basalt ledges?");
  await expect(chat.error).toBeVisible();
  await expect(page.getByTestId("chat-error-message")).toHaveText(
    "One of the documents this question is limited to no longer exists. Remove it from the scope and ask again.",
  );
  await expect(page.getByTestId("chat-error-request-id")).toHaveText(/\S{8,}/);
  await shot(page, testInfo, "chat-error-1440");
  await expectNoSeriousA11yViolations(page, testInfo, "chat-error");

  await page.getByTestId("scope-chip-remove").click();
  await page.getByTestId("chat-retry").click();
  await expect(chat.error).toHaveCount(0);
  await expect(chat.answers).toHaveCount(1);
  await expect(chat.lastAnswer).toHaveAttribute("data-streaming", "false", { timeout: 60_000 });
});

test("at 375 px the list is a drawer and nothing overflows", async ({ page }, testInfo) => {
  await sampleIds(page);
  const chat = new ChatPage(page);
  await chat.goto();
  await chat.ask(glasswing.question);
  await chat.waitForAnswer();
  const id = await chat.conversationId();

  await page.setViewportSize({ width: 375, height: 812 });
  await page.reload();
  await expect(chat.answers).toHaveCount(1);
  await expect(page.locator("aside").getByTestId("conversation-list")).toBeHidden();
  await noHorizontalOverflow(page);
  await shot(page, testInfo, "chat-answered-375", true);
  await expectNoSeriousA11yViolations(page, testInfo, "chat-answered-375");

  await page.getByTestId("conversations-drawer-toggle").click();
  const drawer = page.getByTestId("conversations-drawer");
  await expect(drawer).toBeVisible();
  await expect(chat.conversationItem(id, "drawer")).toBeVisible();
  await noHorizontalOverflow(page);
  await shot(page, testInfo, "chat-list-open-375");
  await expectNoSeriousA11yViolations(page, testInfo, "chat-list-open-375");
  await page.emulateMedia({ colorScheme: "dark" });
  await shot(page, testInfo, "chat-list-open-375-dark");
  await page.emulateMedia({ colorScheme: "light" });
  await page.keyboard.press("Escape");
  await expect(drawer).toBeHidden();

  await page.getByTestId("conversations-drawer-toggle").click();
  await chat.conversationItem(id, "drawer").getByTestId("conversation-link").click();
  await expect(drawer).toBeHidden();
  await expect(chat.answers).toHaveCount(1);
});
