import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { expectNoSeriousA11yViolations } from "./axe";
import { DocumentsPage } from "./pages/documents-page";
import { storageStatePath } from "./users";

// Issue 9 item 4, the Documents experience: drag-and-drop multi-upload with per-file progress and
// per-file rejections, statuses, filter and sort, the document view with its chunks and a cited chunk,
// re-ingest, delete (by keyboard too, and gone from search), at 1440 and 375 px, checked by axe.

test.describe.configure({ timeout: 240_000 });

// Names and words unique to this run, so documents of other specs or earlier runs never match.
const run = Date.now().toString(36);

const nouns = ["harbour", "lantern", "ledger", "orchard", "bellows", "causeway", "granary", "weir"];
const verbs = ["keeps", "mends", "counts", "guards", "polishes", "records", "tends", "charts"];

/** Plain sentences about a made-up subject: about 12 words each, a paragraph every eight. */
function prose(subject: string, sentences: number): string {
  const out: string[] = [];
  for (let i = 0; i < sentences; i++) {
    out.push(
      `The ${subject} of ward ${i} ${verbs[i % verbs.length]} the ${nouns[(i * 3) % nouns.length]} beside the ${
        nouns[(i * 5 + 1) % nouns.length]
      } every evening.`,
    );
    if (i % 8 === 7) out.push("\n\n");
  }
  return out.join(" ").replace(/ \n\n /g, "\n\n") + "\n";
}

const md = (name: string, text: string) => ({ name, mimeType: "text/markdown", buffer: Buffer.from(text) });
// Bytes that upload fine and then fail to parse (not valid UTF-8): a document that ends up failed.
const undecodable = (name: string) => ({ name, mimeType: "text/plain", buffer: Buffer.from([0xff, 0xfe, 0x41]) });

async function shot(page: Page, testInfo: TestInfo, name: string, fullPage = true) {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage });
  await testInfo.attach(name, { path, contentType: "image/png" });
}

async function expectNoHorizontalOverflow(page: Page) {
  await expect
    .poll(() => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth))
    .toBe(0);
}

/** Waits until the document's row shows it ready or failed; returns which. */
async function settled(docs: DocumentsPage, name: string) {
  const row = docs.row(name);
  await expect(row).toHaveAttribute("data-phase", /^(ready|failed)$/, { timeout: 120_000 });
  return row.getAttribute("data-phase");
}

async function searchHits(page: Page, query: string): Promise<string[]> {
  const res = await page.request.post("/api/search", { data: { query } });
  expect(res.status()).toBe(200);
  return ((await res.json()).results as { documentId: string }[]).map((r) => r.documentId);
}

/** Presses Tab until the focused element satisfies `test` (in the page); fails after `max` presses. */
async function tabTo(page: Page, description: string, test: string, max = 40) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate(test)) return;
  }
  throw new Error(`Tab never reached ${description}`);
}

const focusedOutline = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement;
    const style = getComputedStyle(el);
    return { style: style.outlineStyle, width: style.outlineWidth };
  });

test("a drop of several files: a row each, uploaded then ingested to ready with its chunks; rejected files fail alone", async ({
  page,
}, testInfo) => {
  const docs = new DocumentsPage(page);
  await docs.goto();
  const limit = (await (await page.request.get("/api/documents")).json()).maxUploadBytes as number;
  expect(limit).toBeGreaterThan(0);

  const good = [
    md(`flows-${run}-lighthouse.md`, `# Tessaline lighthouse\n\n${prose("tessaline lighthouse keeper", 150)}`),
    { name: `flows-${run}-ferry.txt`, mimeType: "text/plain", buffer: Buffer.from(prose("brannock ferry", 6)) },
    {
      name: `flows-${run}-orchard.html`,
      mimeType: "text/html",
      buffer: Buffer.from(`<html><body><h1>Quillon orchard</h1><p>${prose("quillon orchard", 20)}</p></body></html>`),
    },
  ];
  const failing = undecodable(`flows-${run}-undecodable.txt`);
  const rejected = [
    { name: `flows-${run}-setup.exe`, mimeType: "application/x-msdownload", buffer: Buffer.from("MZ\x90\x00binary") },
    { name: `flows-${run}-empty.txt`, mimeType: "text/plain", buffer: Buffer.alloc(0) },
    { name: `flows-${run}-huge.txt`, mimeType: "text/plain", zeroBytes: limit + 1 },
  ];

  await docs.recordStates('[data-testid="upload-item"]', "data-name", "data-phase");
  await docs.dropFiles([good[0], rejected[0], good[1], failing, rejected[1], good[2], rejected[2]]);
  await expect(docs.uploadItems).toHaveCount(7);

  // Each rejected file says why, at once, and none of them holds up the others.
  await expect(docs.uploadItem(rejected[0].name).getByTestId("upload-error")).toHaveText(/Unsupported file type \.exe/);
  await expect(docs.uploadItem(rejected[1].name).getByTestId("upload-error")).toHaveText(/is empty/);
  await expect(docs.uploadItem(rejected[2].name).getByTestId("upload-error")).toHaveText(/the limit is/);

  for (const f of good) {
    const item = docs.uploadItem(f.name);
    await expect(item).toHaveAttribute("data-phase", "ready", { timeout: 120_000 });
    await expect(item.getByTestId("upload-stage")).toHaveText(/ready · \d+ chunks?/);
    await expect(item.getByRole("progressbar", { name: `Ingesting ${f.name}` })).toHaveAttribute(
      "aria-valuenow",
      "100",
    );
  }
  const failedItem = docs.uploadItem(failing.name);
  await expect(failedItem).toHaveAttribute("data-phase", "failed", { timeout: 120_000 });
  await expect(failedItem.getByTestId("upload-stage")).toHaveText(/Failed: .*not valid UTF-8/);

  // Every accepted file was shown uploading first (its bytes' progress), and ended ready or failed.
  const states = await docs.recordedStates();
  for (const f of good) {
    expect(states[f.name][0], f.name).toBe("uploading");
    expect(states[f.name].at(-1), f.name).toBe("ready");
  }
  expect(states[failing.name][0]).toBe("uploading");
  expect(states[failing.name].at(-1)).toBe("failed");
  for (const f of rejected) expect(states[f.name], f.name).toEqual(["error"]);

  // The library: ready with the same chunk counts, the failed one with its reason; rejected files absent.
  for (const f of good) {
    const row = docs.row(f.name);
    await expect(row).toHaveAttribute("data-phase", "ready");
    await expect(row.getByTestId("document-status")).toHaveText("Ready");
    const chunks = /ready · (\d+) chunk/.exec(
      (await docs.uploadItem(f.name).getByTestId("upload-stage").textContent())!,
    )![1];
    await expect(row.getByTestId("document-chunks")).toHaveText(chunks);
  }
  expect(Number(await docs.row(good[0].name).getByTestId("document-chunks").textContent())).toBeGreaterThan(1);
  await expect(docs.row(failing.name)).toHaveAttribute("data-phase", "failed");
  await expect(docs.row(failing.name).getByTestId("document-status")).toHaveText("Failed");
  await expect(docs.row(failing.name).getByTestId("document-error")).toContainText("not valid UTF-8");
  for (const f of rejected) await expect(docs.row(f.name)).toHaveCount(0);

  // At 1440 px the table fits its panel: no scrolling inside it either.
  expect(await page.getByTestId("documents-table-scroller").evaluate((el) => el.scrollWidth - el.clientWidth)).toBe(0);
  await shot(page, testInfo, "documents-list-1440");
  await expectNoSeriousA11yViolations(page, testInfo, "documents-list-1440");

  // Clear finished empties the upload list (everything has finished).
  await page.getByRole("button", { name: "Clear finished" }).click();
  await expect(docs.uploadItems).toHaveCount(0);
});

test("an upload in flight can be cancelled; the others are not held up", async ({ page }, testInfo) => {
  const docs = new DocumentsPage(page);
  const held = `flows-${run}-held.md`;
  const free = md(`flows-${run}-free.md`, prose("ossory free-runner", 5));
  // Hold this one request at the network until it is cancelled (the server never sees it).
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  await page.route("**/api/documents", async (route) => {
    const body = route.request().postDataBuffer();
    if (route.request().method() !== "POST" || !body?.includes(held)) return route.fallback();
    await gate;
    await route.abort().catch(() => {});
  });
  await docs.goto();
  await docs.dropFiles([md(held, prose("held ledger", 5)), free]);

  const item = docs.uploadItem(held);
  await expect(item).toHaveAttribute("data-phase", "uploading");
  await expect(item.getByRole("progressbar", { name: `Uploading ${held}` })).toBeVisible();
  await expect(docs.uploadItem(free.name)).toHaveAttribute("data-phase", "ready", { timeout: 120_000 });
  await shot(page, testInfo, "upload-in-flight-1440", false);

  await item.getByRole("button", { name: `Cancel upload of ${held}` }).click();
  await expect(item).toHaveAttribute("data-phase", "cancelled");
  await expect(item.getByTestId("upload-stage")).toHaveText("Cancelled");
  await item.getByRole("button", { name: `Dismiss ${held}` }).click();
  await expect(item).toHaveCount(0);
  release();
  await page.unrouteAll({ behavior: "ignoreErrors" });

  await page.reload();
  await docs.waitForList();
  await expect(docs.row(held)).toHaveCount(0);
  await expect(docs.row(free.name)).toHaveCount(1);
});

test("filter by name (with its no-results state) and sort by column", async ({ page }) => {
  const docs = new DocumentsPage(page);
  await page.goto("/documents");
  const names = [`sort-${run}-alpha.md`, `sort-${run}-Beta.md`, `sort-${run}-gamma.md`];
  // Different sizes: gamma largest, alpha smallest.
  for (const [i, name] of names.entries()) await docs.uploadViaApi(md(name, prose(`sorter ${name}`, 3 + i * 6)));
  await docs.goto();
  for (const name of names) expect(await settled(docs, name)).toBe("ready");

  const shownNames = () => docs.rows.evaluateAll((rows) => rows.map((r) => r.getAttribute("data-name")));
  await docs.filter.fill(`sort ${run}`);
  await expect(docs.rows).toHaveCount(3);
  await expect(page.getByTestId("documents-count")).toHaveText(/^3 of \d+ shown$/);

  await page.getByTestId("sort-name").click();
  await expect(page.getByRole("columnheader", { name: /Name/ })).toHaveAttribute("aria-sort", "ascending");
  expect(await shownNames()).toEqual(names);
  await page.getByTestId("sort-name").click();
  await expect(page.getByRole("columnheader", { name: /Name/ })).toHaveAttribute("aria-sort", "descending");
  expect(await shownNames()).toEqual([...names].reverse());
  await page.getByTestId("sort-size").click();
  expect(await shownNames()).toEqual([names[2], names[1], names[0]]);
  await page.getByTestId("sort-size").click();
  expect(await shownNames()).toEqual(names);

  await docs.filter.fill(`${run}-GAMMA`);
  await expect(docs.rows).toHaveCount(1);
  await expect(docs.row(names[2])).toHaveCount(1);

  await docs.filter.fill(`no-such-document-${run}`);
  await expect(docs.rows).toHaveCount(0);
  await expect(page.getByTestId("documents-no-match")).toContainText(`No documents match “no-such-document-${run}”`);
  await page.getByRole("button", { name: "Clear filter" }).click();
  await expect(docs.filter).toBeFocused();
  await expect(docs.filter).toHaveValue("");
  await expect(docs.row(names[0])).toHaveCount(1);
});

test("the document view lists its chunks, opens a cited chunk highlighted and in view, and 404s a missing or foreign one", async ({
  page,
  browser,
}, testInfo) => {
  const docs = new DocumentsPage(page);
  const name = `view-${run}-causeway.md`;
  await page.goto("/documents");
  const id = await docs.uploadViaApi(md(name, `# Marrowby causeway\n\n${prose("marrowby causeway warden", 120)}`));
  await docs.goto();
  expect(await settled(docs, name)).toBe("ready");
  const chunkCount = Number(await docs.row(name).getByTestId("document-chunks").textContent());
  expect(chunkCount).toBeGreaterThan(2);

  await docs.row(name).getByTestId("document-link").click();
  await expect(page).toHaveURL(new RegExp(`/documents/${id}$`));
  await expect(page.getByTestId("document-title")).toHaveText(name);
  const meta = page.getByTestId("document-meta");
  await expect(meta.getByTestId("document-status")).toHaveText("Ready");
  await expect(meta).toContainText("text/markdown");
  await expect(meta).toContainText(/\d+ tokens, overlap \d+/);
  await expect(meta.getByTestId("document-chunk-count")).toHaveText(String(chunkCount));

  const items = page.getByTestId("chunk-item");
  await expect(items).toHaveCount(chunkCount);
  for (let i = 0; i < chunkCount; i++) {
    await expect(items.nth(i)).toHaveAttribute("data-position", String(i));
    await expect(items.nth(i).getByTestId("chunk-tokens")).toHaveText(/^\d+ tokens$/);
  }
  const first = items.first();
  await expect(first.getByTestId("chunk-expand")).toHaveAttribute("aria-expanded", "false");
  await first.getByTestId("chunk-expand").click();
  await expect(first.getByTestId("chunk-expand")).toHaveAttribute("aria-expanded", "true");
  await expect(first.getByTestId("chunk-text")).toContainText("Marrowby causeway");

  // Opened from a citation: the last chunk, far down the text.
  const cited = items.last();
  const citedId = await cited.getAttribute("data-chunk-id");
  await page.goto(`/documents/${id}?chunk=${citedId}`);
  const mark = page.getByTestId("chunk-highlight");
  await expect(mark).toBeVisible();
  await expect(mark).toHaveAttribute("data-chunk-id", citedId!);
  await expect(mark).toBeInViewport();
  const active = page.locator('[data-testid="chunk-item"][aria-current="true"]');
  await expect(active).toHaveAttribute("data-chunk-id", citedId!);
  await expect(active).toBeInViewport();
  // The list shows the cited chunk folded (the text beside it shows it in full, highlighted): the same text.
  await expect(mark).toHaveText((await active.getByTestId("chunk-text").textContent())!);
  await expect(active.getByTestId("chunk-expand")).toHaveAttribute("aria-expanded", "false");
  await shot(page, testInfo, "document-view-1440", false);
  await expectNoSeriousA11yViolations(page, testInfo, "document-view-1440");
  await active.getByTestId("chunk-expand").click();
  await expect(active.getByTestId("chunk-expand")).toHaveAttribute("aria-expanded", "true");

  await page.setViewportSize({ width: 375, height: 812 });
  await page.reload();
  await expect(mark).toBeInViewport();
  await expectNoHorizontalOverflow(page);
  await shot(page, testInfo, "document-view-375", false);
  await expectNoSeriousA11yViolations(page, testInfo, "document-view-375");
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, testInfo, "document-view-375-top", false);
  await page.setViewportSize({ width: 1440, height: 900 });

  await page.getByTestId("document-back").click();
  await expect(page).toHaveURL(/\/documents$/);

  // Missing, and bob's (not shared): the same not-found page.
  await page.goto("/documents/00000000-0000-4000-8000-000000000000");
  await expect(page.getByTestId("document-not-found")).toBeVisible();
  await expect(page.getByRole("heading", { name: "This document is not available" })).toBeVisible();
  const bob = await browser.newContext({ storageState: storageStatePath("bob") });
  const bobPage = await bob.newPage();
  await bobPage.goto("/documents");
  const bobId = await new DocumentsPage(bobPage).uploadViaApi(md(`bob-${run}-private.md`, prose("bob's own", 4)));
  await bob.close();
  await page.goto(`/documents/${bobId}`);
  await expect(page.getByTestId("document-not-found")).toBeVisible();
  await expect(page.getByText(`bob-${run}-private.md`)).toHaveCount(0);
  await page.getByRole("link", { name: "Back to your documents" }).click();
  await expect(page).toHaveURL(/\/documents$/);
});

test("re-ingest shows the document being re-ingested, then ready again with its chunks", async ({ page }) => {
  const docs = new DocumentsPage(page);
  const name = `reingest-${run}-weir.md`;
  await page.goto("/documents");
  await docs.uploadViaApi(md(name, prose("hollin weir reeve", 40)));
  await docs.goto();
  expect(await settled(docs, name)).toBe("ready");
  const row = docs.row(name);
  const chunks = await row.getByTestId("document-chunks").textContent();

  await docs.recordStates('[data-testid="document-row"]', "data-name", "data-phase");
  await row.getByRole("button", { name: `Re-ingest ${name}` }).click();
  await expect
    .poll(async () => (await docs.recordedStates())[name], { timeout: 120_000 })
    .toEqual(expect.arrayContaining(["reingesting"]));
  await expect(row).toHaveAttribute("data-phase", "ready", { timeout: 120_000 });
  await expect(row.getByTestId("document-progress")).toHaveCount(0);
  await expect(row.getByTestId("document-chunks")).toHaveText(chunks!);
  const states = (await docs.recordedStates())[name];
  expect(states[0]).toBe("ready");
  expect(states.at(-1)).toBe("ready");
  expect(states.indexOf("reingesting")).toBeGreaterThan(0);
  await expect(row.getByRole("button", { name: `Re-ingest ${name}` })).toBeEnabled();
});

test("delete with the keyboard only: confirm in a dialog, the row and its chunks are gone from search", async ({
  page,
}) => {
  const docs = new DocumentsPage(page);
  const word = `zorvelith${run}`;
  const name = `delete-${run}-granary.md`;
  await page.goto("/documents");
  const id = await docs.uploadViaApi(
    md(name, `The ${word} granary stores amber barley.\n\n${prose("amber granary", 6)}`),
  );
  await docs.goto();
  expect(await settled(docs, name)).toBe("ready");
  expect(await searchHits(page, `${word} granary`)).toContain(id);

  // From the top of the page, by keyboard alone: the filter, then the row's Delete.
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await tabTo(page, "the filter", `document.activeElement?.getAttribute("data-testid") === "documents-filter"`);
  await page.keyboard.type(name);
  await expect(docs.rows).toHaveCount(1);
  await tabTo(
    page,
    "Delete",
    `document.activeElement?.getAttribute("aria-label") === ${JSON.stringify(`Delete ${name}`)}`,
  );
  expect((await focusedOutline(page)).style).not.toBe("none");

  // Escape cancels and gives focus back to Delete.
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: "Delete this document?" });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("button", { name: `Delete ${name}` })).toBeFocused();
  await expect(docs.row(name)).toHaveCount(1);

  await page.keyboard.press("Enter");
  await expect(dialog).toBeVisible();
  await page.keyboard.press("Tab");
  await expect(dialog.getByTestId("document-delete-confirm")).toBeFocused();
  expect((await focusedOutline(page)).style).not.toBe("none");
  await page.keyboard.press("Enter");

  await expect(docs.row(name)).toHaveCount(0);
  await expect(docs.filter).toBeFocused();
  await expect(page.getByTestId("documents-announcement")).toHaveText(`Deleted ${name}.`);
  expect(await searchHits(page, `${word} granary`)).not.toContain(id);
  expect((await page.request.get(`/api/documents/${id}/content`)).status()).toBe(404);
  await page.reload();
  await docs.waitForList();
  await expect(docs.row(name)).toHaveCount(0);
});

test("at 375 px the library is a list of cards with no page-level horizontal scroll", async ({ page }, testInfo) => {
  await page.setViewportSize({ width: 375, height: 812 });
  const docs = new DocumentsPage(page);
  const ready = `phone-${run}-a-rather-long-document-name-about-the-saltmarsh-bellows.md`;
  const failed = `phone-${run}-undecodable.txt`;
  await page.goto("/documents");
  await docs.uploadViaApi(md(ready, prose("saltmarsh bellows", 12)));
  await docs.uploadViaApi(undecodable(failed));
  await docs.goto();
  expect(await settled(docs, ready)).toBe("ready");
  expect(await settled(docs, failed)).toBe("failed");

  await expectNoHorizontalOverflow(page);
  expect(await docs.row(ready).evaluate((tr) => getComputedStyle(tr).display)).toBe("grid");
  await expect(docs.row(failed).getByTestId("document-status")).toHaveText("Failed");
  await expect(docs.row(failed).getByTestId("document-error")).toBeVisible();
  // Sorting without the column headers: the sort menu.
  await page.getByTestId("documents-sort").selectOption("status-asc");
  await docs.filter.fill(`phone-${run}`);
  await expect(docs.rows.first()).toHaveAttribute("data-name", failed);
  await docs.filter.fill("");

  await shot(page, testInfo, "documents-list-375");
  await shot(page, testInfo, "documents-list-375-top", false);
  await expectNoSeriousA11yViolations(page, testInfo, "documents-list-375");
  // The upload list too (a rejected file), still without horizontal scroll.
  await docs.dropFiles([
    { name: `phone-${run}-setup.exe`, mimeType: "application/x-msdownload", buffer: Buffer.from("MZ") },
  ]);
  await expect(docs.uploadItem(`phone-${run}-setup.exe`).getByTestId("upload-error")).toBeVisible();
  await expectNoHorizontalOverflow(page);
  await expectNoSeriousA11yViolations(page, testInfo, "documents-list-375-uploads");
});
