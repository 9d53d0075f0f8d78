import { expect, type Locator, type Page } from "@playwright/test";

export class ChatPage {
  readonly input: Locator;
  readonly submit: Locator;
  readonly answers: Locator;
  readonly livePanel: Locator;

  constructor(readonly page: Page) {
    this.input = page.getByTestId("chat-input");
    this.submit = page.getByTestId("chat-submit");
    this.answers = page.getByTestId("assistant-message");
    this.livePanel = page.getByTestId("live-rankings");
  }

  async goto() {
    await this.page.goto("/chat");
    await expect(this.input).toBeVisible();
  }

  private answersBefore = 0;

  async ask(question: string) {
    this.answersBefore = await this.answers.count();
    await this.input.fill(question);
    await this.submit.click();
  }

  get lastAnswer(): Locator {
    return this.answers.last();
  }

  get answerText(): Locator {
    return this.lastAnswer.getByTestId("answer-text");
  }

  get citationLinks(): Locator {
    return this.lastAnswer.getByTestId("citation-link");
  }

  get notRerankedBadge(): Locator {
    return this.lastAnswer.getByTestId("not-reranked-badge");
  }

  get inspectLink(): Locator {
    return this.lastAnswer.getByTestId("inspect-link");
  }

  /** Waits for the streamed answer to finish (the Ask button returns once the stream has ended). */
  async waitForAnswer(timeout = 60_000) {
    // A new assistant message, not the previous one, must appear and finish streaming.
    await expect(this.answers).toHaveCount(this.answersBefore + 1, { timeout });
    await expect(this.lastAnswer).toHaveAttribute("data-streaming", "false", { timeout });
    await expect(this.page.getByTestId("chat-error")).toHaveCount(0);
    await expect(this.answerText).not.toBeEmpty();
  }
}
