import { expect, test, type Locator } from "@playwright/test";
import { ChatPage } from "./pages/chat-page";
import { DocumentsPage } from "./pages/documents-page";
import { EvalPage } from "./pages/eval-page";
import { InspectPage } from "./pages/inspect-page";

// Relevance labels from the inspect view feed the golden set, which the eval page evaluates.

const NAME = "marrowick-frost-kilns.txt";
// Long enough for several chunks, so the run has more than one candidate of its own.
const TEXT = [
  "Marrowick frost kilns are stone vaults dug into the north face of the Marrowick ridge. ".repeat(30),
  "The kilns keep ice from melting through summer by venting warm air up a chimney of porous slate. ".repeat(30),
  "Kiln keepers pack the ice in sawdust from the alder mills and seal the doors with tallow. ".repeat(30),
].join("\n\n");
const QUESTION = "How do Marrowick frost kilns keep the ice from melting?";

const radio = (row: Locator, name: "Relevant" | "Partly relevant" | "Not relevant") =>
  row.getByRole("radio", { name, exact: true });

test("label candidates in the inspect view, keep them across a reload, evaluate the golden set", async ({ page }) => {
  test.setTimeout(180_000);
  const docs = new DocumentsPage(page);
  await docs.goto();
  if ((await docs.row(NAME).count()) === 0) {
    await docs.upload([{ name: NAME, mimeType: "text/plain", buffer: Buffer.from(TEXT) }]);
  }
  await docs.waitForReady(NAME);

  const chat = new ChatPage(page);
  await chat.goto();
  await chat.ask(QUESTION);
  await chat.waitForAnswer();
  const href = await chat.inspectLink.getAttribute("href");
  expect(href).toMatch(/^\/inspect\/[0-9a-f-]{36}$/);

  const inspect = new InspectPage(page);
  await page.goto(href!);
  await expect(inspect.query).toContainText("Marrowick");
  const rows = inspect.rows(inspect.fusedTable);
  await expect(rows.nth(1)).toBeVisible();
  const first = rows.nth(0);
  const second = rows.nth(1);
  const firstId = await first.getAttribute("data-chunk-id");
  const secondId = await second.getAttribute("data-chunk-id");

  await radio(first, "Relevant").check();
  await radio(second, "Partly relevant").check();
  await expect(radio(first, "Relevant")).toBeChecked();
  await expect(radio(second, "Partly relevant")).toBeChecked();
  // Labelling does not expand the row (the control swallows the click).
  await expect(first).toHaveAttribute("data-expanded", "false");
  // The same candidates in the reranked table show the same judgements.
  const inRerank = (id: string | null) =>
    inspect.rerankTable.locator(`[data-testid="inspect-row"][data-chunk-id="${id}"]`);
  await expect(radio(inRerank(firstId), "Relevant")).toBeChecked();

  // Saved on the server: a reload shows them again.
  await expect
    .poll(async () => (await page.request.get(`/api/runs/${href!.split("/").pop()}/labels`)).json())
    .toMatchObject({ labels: expect.arrayContaining([expect.objectContaining({ grade: 2 })]) });
  await page.reload();
  await expect(radio(inspect.fusedTable.locator(`[data-chunk-id="${firstId}"]`), "Relevant")).toBeChecked();
  await expect(radio(inspect.fusedTable.locator(`[data-chunk-id="${secondId}"]`), "Partly relevant")).toBeChecked();
  await expect(radio(inspect.fusedTable.locator(`[data-chunk-id="${secondId}"]`), "Relevant")).not.toBeChecked();

  const evalPage = new EvalPage(page);
  await evalPage.goto();
  await expect(evalPage.count).not.toHaveText("0");
  const pointsBefore = await evalPage.trend.getByTestId("chart-point").count();
  await evalPage.evaluateNow.click();
  await expect(evalPage.ndcgReranked).toHaveText(/^[01]\.\d{3}$/);
  await expect(evalPage.ndcgFused).toHaveText(/^[01]\.\d{3}$/);
  // One point per series (before and after rerank) for the new evaluation.
  await expect(evalPage.trend.getByTestId("chart-point")).toHaveCount(pointsBefore + 2);
  await expect(evalPage.worst.getByRole("link", { name: QUESTION })).toHaveAttribute(
    "href",
    /^\/inspect\/[0-9a-f-]{36}$/,
  );
});
