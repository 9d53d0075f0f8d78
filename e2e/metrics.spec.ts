import { expect, test } from "@playwright/test";
import { storageStatePath } from "./users";

// The metrics page (admins): per-stage percentiles computed in the database after a search, the rerank
// alert state, the cache panel; a non-admin is refused by the API and told so.

test.use({ storageState: storageStatePath("admin") });

test("an admin sees per-stage latency percentiles and the rerank alert state", async ({ page }) => {
  const res = await page.request.post("/api/search", { data: { query: "metrics page latency check" } });
  expect(res.status()).toBe(200);
  await page.goto("/metrics");
  const table = page.getByTestId("latency-table");
  await expect(table).toBeVisible();
  await expect(table.getByText(/last 1 h \(\d+ runs\)/)).toBeVisible();
  const total = table.locator('tr[data-stage="totalMs"] td');
  await expect(total.nth(1)).toHaveText(/^\d+(\.\d+)?$/); // P50 of the last hour
  await expect(page.getByTestId("rerank-ok").or(page.getByTestId("rerank-alert"))).toBeVisible();
  await expect(page.getByTestId("latency-chart")).toBeVisible();
  await expect(page.getByTestId("cache-hit-rate")).toBeVisible();
});

test("a non-admin gets no metrics", async ({ browser }) => {
  const context = await browser.newContext({ storageState: storageStatePath("bob") });
  const page = await context.newPage();
  expect((await page.request.get("/api/metrics/latency")).status()).toBe(403);
  await page.goto("/metrics");
  await expect(page.getByRole("alert").filter({ hasText: /Could not load metrics: Only an admin/ })).toBeVisible();
  await context.close();
});
