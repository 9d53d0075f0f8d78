import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { bellFoundry, ensureBellFoundry } from "./fixtures/bell-foundry";
import { ChatPage } from "./pages/chat-page";
import { InspectPage } from "./pages/inspect-page";

// The inspect view: both rankings joined by lines coloured by movement, the pair highlighted on hover and
// keyboard focus, passages expandable by keyboard with the query's words marked, every stage's rank and
// score, the timing bar; and at 375 px the columns stacked with movement badges instead of lines.

async function shot(page: Page, testInfo: TestInfo, name: string) {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: "image/png" });
}

let inspectHref: string | undefined;

/** A run of a chat answer about the bell foundry (made once per worker, by the first test that needs it). */
async function runId(page: Page): Promise<string> {
  if (!inspectHref) {
    await ensureBellFoundry(page);
    const chat = new ChatPage(page);
    await chat.goto();
    await chat.ask(bellFoundry.question);
    await chat.waitForAnswer();
    const href = (await chat.inspectLink.getAttribute("href"))!;
    expect(href).toMatch(/^\/inspect\/[0-9a-f-]{36}$/);
    inspectHref = href;
  }
  return inspectHref.split("/").pop()!;
}

test("desktop: two columns joined by movement-coloured lines, pair highlight, keyboard expansion, timings", async ({
  page,
}, testInfo) => {
  const inspect = new InspectPage(page);
  await inspect.goto(await runId(page));
  await expect(inspect.query).toContainText("Harrowgate bell founders");
  const fusedRows = inspect.rows(inspect.fusedTable);
  const rerankRows = inspect.rows(inspect.rerankTable);
  await expect(rerankRows.first()).toBeVisible();
  const total = await rerankRows.count();
  expect(total).toBeGreaterThanOrEqual(2);
  expect(await fusedRows.count()).toBe(total);

  // Screen readers get each table by its caption.
  await expect(page.getByRole("table", { name: /fused order, before rerank/ })).toBeVisible();
  await expect(page.getByRole("table", { name: /reranked order/ })).toBeVisible();

  // One line per candidate, coloured by the same movement the rows report.
  const connectors = page.getByTestId("inspect-connectors").getByTestId("connector");
  await expect(connectors).toHaveCount(total);
  for (const kind of ["entered", "left", "up", "down", "same"]) {
    const rows = await inspect.rerankTable.locator(`[data-testid="inspect-row"][data-move="${kind}"]`).count();
    expect(await page.locator(`[data-testid="connector"][data-move="${kind}"]`).count(), kind).toBe(rows);
  }
  // A line starts at its passage's row on the left and ends at the same passage's row on the right.
  const firstId = await rerankRows.first().getAttribute("data-chunk-id");
  const line = page.locator(`[data-testid="connector"][data-chunk-id="${firstId}"] path`).first();
  const d = (await line.getAttribute("d"))!;
  const [, y1, y2] = /^M 0 ([\d.]+) C .* ([\d.]+)$/.exec(d)!.map(Number);
  const svgBox = (await page.getByTestId("inspect-connectors").boundingBox())!;
  const leftBox = (await inspect.fusedTable.locator(`[data-chunk-id="${firstId}"]`).boundingBox())!;
  const rightBox = (await rerankRows.first().boundingBox())!;
  expect(Math.abs(svgBox.y + y1 - (leftBox.y + leftBox.height / 2))).toBeLessThan(2);
  expect(Math.abs(svgBox.y + y2 - (rightBox.y + rightBox.height / 2))).toBeLessThan(2);
  // Lines replace the badges on wide screens.
  await expect(rerankRows.first().getByTestId("move-badge")).toBeHidden();

  // Hovering a row highlights its pair in the other column and brings its line forward.
  const fusedTwin = inspect.fusedTable.locator(`[data-testid="inspect-row"][data-chunk-id="${firstId}"]`);
  await fusedTwin.hover();
  await expect(rerankRows.first()).toHaveAttribute("data-hovered", "true");
  await expect(page.locator(`[data-testid="connector"][data-chunk-id="${firstId}"]`)).toHaveAttribute("opacity", "1");
  await shot(page, testInfo, "inspect-desktop-hover");
  await page.mouse.move(0, 0);

  // Keyboard: Tab reaches the passage button (focus ring visible), which highlights the pair; Enter
  // expands, Space collapses.
  const button = rerankRows.first().getByTestId("inspect-expand");
  await button.focus();
  await page.keyboard.press("Shift+Tab");
  await page.keyboard.press("Tab");
  await expect(button).toBeFocused();
  expect(await button.evaluate((el) => el.matches(":focus-visible"))).toBe(true);
  expect(await button.evaluate((el) => getComputedStyle(el).outlineStyle)).not.toBe("none");
  await expect(fusedTwin).toHaveAttribute("data-hovered", "true");
  await page.keyboard.press("Enter");
  await expect(rerankRows.first()).toHaveAttribute("data-expanded", "true");
  await expect(button).toHaveAttribute("aria-expanded", "true");
  const passage = inspect.rerankTable.getByTestId("inspect-passage-text").first();
  await expect(passage).toBeVisible();
  await expect(passage.getByTestId("query-highlight").first()).toBeVisible();
  expect((await passage.getByTestId("query-highlight").allTextContents()).join(" ")).toMatch(
    /harrowgate|bell|founders|tune|bronze/i,
  );
  // Every stage's rank and score, the truncation and the answer's use of the passage.
  const facts = inspect.rerankTable.getByTestId("inspect-passage-facts").first();
  for (const term of ["BM25", "Vector", "Fused", "Rerank", "Tokens truncated", "Reached the answer", "Cited"]) {
    await expect(facts.getByText(term, { exact: true })).toBeVisible();
  }
  await expect(facts).toContainText(/Rerank\s*1 · \d\.\d{4}/);
  await expect(facts).toContainText(/Tokens truncated\s*\d+/);
  // The top passage of a cited answer reached it; the run says which passages were cited.
  await expect(rerankRows.first()).toHaveAttribute("data-in-answer", "true");
  await expect(inspect.rerankTable.locator('[data-testid="inspect-row"][data-cited="true"]').first()).toBeVisible();
  // The same passage opened in the other column too, and the lines followed the rows down.
  await expect(inspect.fusedTable.getByTestId("inspect-passage-text")).toHaveCount(1);
  await shot(page, testInfo, "inspect-desktop-expanded");
  await page.keyboard.press("Space");
  await expect(rerankRows.first()).toHaveAttribute("data-expanded", "false");
  await expect(inspect.rerankTable.getByTestId("inspect-passage-text")).toHaveCount(0);

  // Per-stage timings.
  for (const key of ["embedMs", "bm25Ms", "denseMs", "fusionMs", "rerankQueueMs", "rerankComputeMs", "totalMs"]) {
    await expect(inspect.timings.getByTestId(`timing-${key}`)).toContainText(/\d(\.\d)? ms/);
  }
  await expect(inspect.timings.getByTestId("timing-generationMs")).toContainText(/\d(\.\d)? ms/);
});

test("375 px: columns stacked, movement badges instead of lines, nothing wider than the screen", async ({
  page,
}, testInfo) => {
  const id = await runId(page);
  await page.setViewportSize({ width: 375, height: 812 });
  const inspect = new InspectPage(page);
  await inspect.goto(id);
  const run = (await (await page.request.get(`/api/runs/${id}`)).json()) as {
    results: { chunkId: number; fusedRank: number; rerankRank: number }[];
  };
  const rerankRows = inspect.rows(inspect.rerankTable);
  await expect(rerankRows.first()).toBeVisible();
  await expect(page.getByTestId("inspect-connectors")).toBeHidden();
  // Stacked: the reranked column starts below the fused one.
  const fusedBox = (await inspect.fusedTable.boundingBox())!;
  const rerankBox = (await inspect.rerankTable.boundingBox())!;
  expect(rerankBox.y).toBeGreaterThan(fusedBox.y + fusedBox.height);
  // Every reranked row carries its movement as a badge, matching the row's fused and rerank ranks.
  const n = await rerankRows.count();
  for (let i = 0; i < Math.min(n, 8); i++) {
    const row = rerankRows.nth(i);
    const badge = row.getByTestId("move-badge");
    await expect(badge).toBeVisible();
    const chunkId = Number(await row.getAttribute("data-chunk-id"));
    const r = run.results.find((x) => x.chunkId === chunkId)!;
    await expect(badge).toHaveAttribute("data-movement", String(r.fusedRank - r.rerankRank));
  }
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  await shot(page, testInfo, "inspect-375");

  // Expanding still works by touch and shows the numbers the narrow row leaves out.
  await rerankRows.first().getByTestId("inspect-expand").click();
  const facts = inspect.rerankTable.getByTestId("inspect-passage-facts").first();
  await expect(facts).toBeVisible();
  await expect(facts.getByText("BM25", { exact: true })).toBeVisible();
  await expect(inspect.rerankTable.getByRole("radiogroup").first()).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  await rerankRows.first().scrollIntoViewIfNeeded();
  await page.screenshot({ path: testInfo.outputPath("inspect-375-expanded.png") });
  await testInfo.attach("inspect-375-expanded", {
    path: testInfo.outputPath("inspect-375-expanded.png"),
    contentType: "image/png",
  });
});
