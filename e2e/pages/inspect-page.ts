import { expect, type Locator, type Page } from "@playwright/test";

export class InspectPage {
  readonly query: Locator;
  readonly fusedTable: Locator;
  readonly rerankTable: Locator;
  readonly rerankSkipped: Locator;
  readonly timings: Locator;

  constructor(readonly page: Page) {
    this.query = page.getByTestId("inspect-query");
    this.fusedTable = page.getByTestId("inspect-table-fused");
    this.rerankTable = page.getByTestId("inspect-table-rerank");
    this.rerankSkipped = page.getByTestId("inspect-rerank-skipped");
    this.timings = page.getByTestId("inspect-timings");
  }

  async goto(runId: string) {
    await this.page.goto(`/inspect/${runId}`);
    await expect(this.query).toBeVisible();
  }

  rows(table: Locator): Locator {
    return table.getByTestId("inspect-row");
  }
}
