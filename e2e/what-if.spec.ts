import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { bellFoundry, ensureBellFoundry } from "./fixtures/bell-foundry";
import { ChatPage } from "./pages/chat-page";
import { InspectPage } from "./pages/inspect-page";

// What-if replay on the inspect page: bad settings are refused field by field; changed settings re-run the
// query as a new run linked to the original, and the difference (top n in/out, ranks, nDCG@5 of both runs
// from the query's labels) is shown and agrees with the two recorded runs.

type Row = { chunkId: number; fusedRank: number; rerankRank: number | null };
type Run = { runId: string; params: { k: number; topN: number; fusion: unknown; rerank: boolean }; results: Row[] };

async function shot(page: Page, testInfo: TestInfo, name: string, fullPage = true) {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage });
  await testInfo.attach(name, { path, contentType: "image/png" });
}

/** The final order (reranked, else fused), as the answer takes it. */
const finalOrder = (run: Run) =>
  [...run.results]
    .sort((a, b) => (a.rerankRank ?? Infinity) - (b.rerankRank ?? Infinity) || a.fusedRank - b.fusedRank)
    .map((r) => r.chunkId);

/** nDCG@5 with gains 2^g − 1, ideal from every judged passage: written out here as the test's own oracle. */
function ndcg5(order: number[], grades: Map<number, number>) {
  const dcg = (gains: number[]) => gains.slice(0, 5).reduce((s, g, i) => s + (2 ** g - 1) / Math.log2(i + 2), 0);
  return dcg(order.map((id) => grades.get(id) ?? 0)) / dcg([...grades.values()].sort((a, b) => b - a));
}

test("what-if replay: validation, re-run with other settings, difference and nDCG@5 of both runs", async ({
  page,
}, testInfo) => {
  test.setTimeout(180_000);
  await ensureBellFoundry(page);
  const chat = new ChatPage(page);
  await chat.goto();
  await chat.ask(bellFoundry.question);
  await chat.waitForAnswer();
  const originalId = (await chat.inspectLink.getAttribute("href"))!.split("/").pop()!;

  const inspect = new InspectPage(page);
  await inspect.goto(originalId);
  const panel = page.getByTestId("what-if");
  await expect(panel).toBeVisible();
  // The form starts from the run's own settings.
  const asked = (await (await page.request.get(`/api/runs/${originalId}`)).json()) as Run;
  await expect(panel.getByLabel("k", { exact: true })).toHaveValue(String(asked.params.k));
  await expect(panel.getByLabel("top n")).toHaveValue(String(asked.params.topN));
  await expect(panel.getByLabel("Rerank")).toBeChecked();

  // Label the reranked top passage relevant, so that the query has a golden judgement.
  const top = inspect.rows(inspect.rerankTable).first();
  const topId = Number(await top.getAttribute("data-chunk-id"));
  await top.getByRole("radio", { name: "Relevant", exact: true }).check();
  await expect
    .poll(
      async () =>
        ((await (await page.request.get(`/api/runs/${originalId}/labels`)).json()) as { labels: unknown[] }).labels
          .length,
    )
    .toBe(1);

  // Validation: an empty field is caught here; values the server refuses come back named by field.
  const runsBefore = async () => (await page.request.get(`/api/runs/${originalId}`)).status();
  await panel.getByLabel("k", { exact: true }).fill("");
  await panel.getByRole("button", { name: "Re-run" }).click();
  await expect(panel.getByTestId("what-if-error")).toContainText("Fill in k");
  await expect(panel.getByLabel("k", { exact: true })).toHaveAttribute("aria-invalid", "true");
  await panel.getByLabel("k", { exact: true }).fill("3");
  await panel.getByRole("button", { name: "Re-run" }).click();
  await expect(panel.getByTestId("what-if-error")).toContainText("topN must not exceed k");
  await expect(panel.getByLabel("top n")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByRole("alert").filter({ hasText: "topN must not exceed k" })).toBeVisible();
  await panel.getByLabel("k", { exact: true }).fill("500");
  await panel.getByRole("button", { name: "Re-run" }).click();
  await expect(panel.getByTestId("what-if-error")).toContainText(/k: Too big/);
  await expect(panel.getByTestId("what-if-field-error")).toContainText(/<=\s*200/);
  await expect(panel.getByTestId("what-if-result")).toHaveCount(0);
  await shot(page, testInfo, "what-if-validation-desktop", false);
  expect(await runsBefore()).toBe(200);

  // Re-run: k 20, top 3, NVIDIA RRF, no rerank.
  await panel.getByLabel("k", { exact: true }).fill("20");
  await panel.getByLabel("top n").fill("3");
  await panel.getByLabel("fusion").selectOption("nvidia");
  await expect(panel.getByLabel("BM25 weight")).toBeDisabled();
  await panel.getByLabel("Rerank").uncheck();
  await panel.getByRole("button", { name: "Re-run" }).click();
  const result = panel.getByTestId("what-if-result");
  await expect(result).toBeVisible();
  await expect(panel.getByTestId("what-if-error")).toHaveCount(0);
  await expect(result).toContainText("not reranked: reranking disabled in the request");

  // The replay is a recorded run of its own, with the new settings, linked to the original.
  const replayHref = (await result.getByTestId("what-if-replay-link").getAttribute("href"))!;
  const replayId = replayHref.split("/").pop()!;
  expect(replayId).not.toBe(originalId);
  const replay = (await (await page.request.get(`/api/runs/${replayId}`)).json()) as Run & { replayOf: string };
  const original = (await (await page.request.get(`/api/runs/${originalId}`)).json()) as Run;
  expect(replay.replayOf).toBe(originalId);
  expect(replay.params).toMatchObject({ k: 20, topN: 3, fusion: "nvidia", rerank: false });
  expect(replay.results.length).toBeLessThanOrEqual(20);

  // The difference shown is the difference between the two recorded runs.
  const before = finalOrder(original).slice(0, 5);
  const after = finalOrder(replay).slice(0, 3);
  const entered = after.filter((id) => !before.includes(id));
  const left = before.filter((id) => !after.includes(id));
  expect(left.length).toBeGreaterThanOrEqual(2); // top 5 → top 3
  await expect(result.getByTestId("what-if-entered-value")).toHaveText(String(entered.length));
  await expect(result.getByTestId("what-if-left-value")).toHaveText(String(left.length));
  const changes = result.getByTestId("what-if-change");
  await expect(changes).toHaveCount(new Set([...before, ...after]).size);
  for (const id of left) {
    await expect(result.locator(`[data-testid="what-if-change"][data-chunk-id="${id}"]`)).toHaveAttribute(
      "data-change",
      "left",
    );
  }
  for (const id of entered) {
    await expect(result.locator(`[data-testid="what-if-change"][data-chunk-id="${id}"]`)).toHaveAttribute(
      "data-change",
      "entered",
    );
  }
  // Ranks in each run, as recorded.
  const firstChange = changes.first();
  const changedId = Number(await firstChange.getAttribute("data-chunk-id"));
  await expect(firstChange.locator("td").nth(2)).toHaveText(String(finalOrder(replay).indexOf(changedId) + 1));

  // nDCG@5 of both runs against the label.
  const grades = new Map([[topId, 2]]);
  const expected = `${ndcg5(finalOrder(original), grades).toFixed(3)} → ${ndcg5(finalOrder(replay), grades).toFixed(3)}`;
  await expect(result.getByTestId("what-if-ndcg-value")).toHaveText(expected);
  await expect(result.getByTestId("what-if-ndcg-value")).toHaveText(/^1\.000 → /);
  await shot(page, testInfo, "what-if-result-desktop");

  // 375 px: the form and the difference fit the screen.
  await page.setViewportSize({ width: 375, height: 812 });
  await expect(result).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  await panel.scrollIntoViewIfNeeded();
  await shot(page, testInfo, "what-if-result-375");

  // The replay's own inspect view names the run it replays and starts its form from its own settings.
  await result.getByTestId("what-if-replay-link").click();
  await expect(page).toHaveURL(new RegExp(`/inspect/${replayId}$`));
  await expect(page.getByTestId("inspect-replay-of").getByRole("link")).toHaveAttribute(
    "href",
    `/inspect/${originalId}`,
  );
  await expect(inspect.rerankSkipped).toBeVisible();
  await expect(page.getByTestId("what-if").getByLabel("top n")).toHaveValue("3");
  await expect(page.getByTestId("what-if").getByLabel("Rerank")).not.toBeChecked();
  await shot(page, testInfo, "what-if-replay-run-375");
});
