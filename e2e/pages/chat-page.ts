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

  get searchedFor(): Locator {
    return this.lastAnswer.getByTestId("searched-for-query");
  }

  get sourceChips(): Locator {
    return this.lastAnswer.getByTestId("source-link");
  }

  get stopButton(): Locator {
    return this.page.getByTestId("chat-stop");
  }

  get error(): Locator {
    return this.page.getByTestId("chat-error");
  }

  /** The saved conversations in the sidebar (wide screens) or the open drawer (narrow ones). */
  conversationItems(where: "sidebar" | "drawer" = "sidebar"): Locator {
    const root = where === "drawer" ? this.page.getByTestId("conversations-drawer") : this.page.locator("aside");
    return root.getByTestId("conversation-item");
  }

  conversationItem(id: string, where: "sidebar" | "drawer" = "sidebar"): Locator {
    return this.conversationItems(where).and(this.page.locator(`[data-id="${id}"]`));
  }

  /** The open conversation's id, from the URL (/chat?c=<id>), once its first question was sent. */
  async conversationId(): Promise<string> {
    await expect(this.page).toHaveURL(/\/chat\?c=[0-9a-f-]{36}$/);
    return new URL(this.page.url()).searchParams.get("c")!;
  }

  /** Limits the next question to these documents (by id) with the document picker. */
  async limitTo(documentIds: string[]) {
    await this.page.getByTestId("document-picker-toggle").click();
    for (const id of documentIds) {
      await this.page.locator(`[data-testid="document-picker-option"][data-document-id="${id}"]`).check();
    }
    await this.page.getByTestId("document-picker-done").click();
  }
}
