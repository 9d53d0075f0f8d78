import { expect, type Locator, type Page } from "@playwright/test";

export class EvalPage {
  readonly golden: Locator;
  readonly count: Locator;
  readonly evaluateNow: Locator;
  readonly trend: Locator;
  readonly ndcgFused: Locator;
  readonly ndcgReranked: Locator;
  readonly worst: Locator;
  readonly noEvaluation: Locator;

  constructor(readonly page: Page) {
    this.golden = page.getByTestId("golden-section");
    this.count = page.getByTestId("golden-count");
    this.evaluateNow = this.golden.getByRole("button", { name: "Evaluate now" });
    this.trend = page.getByTestId("golden-trend");
    this.ndcgFused = page.getByTestId("golden-ndcg-fused");
    this.ndcgReranked = page.getByTestId("golden-ndcg-reranked");
    this.worst = page.getByTestId("golden-worst");
    this.noEvaluation = page.getByTestId("golden-no-evaluation");
  }

  async goto() {
    await this.page.goto("/eval");
    await expect(this.golden).toBeVisible();
    // The evaluations have loaded once the trend or its empty state is shown.
    await expect(this.trend.or(this.noEvaluation)).toBeVisible();
  }
}
