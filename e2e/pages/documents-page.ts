import { expect, type Locator, type Page } from "@playwright/test";

export type UploadFile = string | { name: string; mimeType: string; buffer: Buffer };

export class DocumentsPage {
  readonly uploadInput: Locator;
  readonly rows: Locator;
  readonly uploadItems: Locator;
  readonly uploadErrors: Locator;

  constructor(readonly page: Page) {
    this.uploadInput = page.getByTestId("upload-input");
    this.rows = page.getByTestId("document-row");
    this.uploadItems = page.getByTestId("upload-item");
    this.uploadErrors = page.getByTestId("upload-error");
  }

  async goto() {
    await this.page.goto("/documents");
    await this.waitForList();
  }

  /** The list has loaded once either the table or its empty state is shown. */
  async waitForList() {
    await expect(this.page.getByTestId("documents-table").or(this.page.getByTestId("documents-empty"))).toBeVisible();
  }

  row(name: string): Locator {
    return this.page.locator(`[data-testid="document-row"][data-name="${name}"]`);
  }

  uploadItem(name: string): Locator {
    return this.page.locator(`[data-testid="upload-item"][data-name="${name}"]`);
  }

  async upload(files: UploadFile[]) {
    await this.uploadInput.setInputFiles(files as Parameters<Locator["setInputFiles"]>[0]);
  }

  async documentId(name: string): Promise<string> {
    const id = await this.row(name).first().getAttribute("data-document-id");
    if (!id) throw new Error(`No document row for ${name}`);
    return id;
  }

  /** Waits until the document is ready; fails at once, with its error, if ingestion failed. */
  async waitForReady(name: string, timeout = 90_000) {
    const row = this.row(name).first();
    await expect(row).toBeVisible();
    await expect
      .poll(
        async () => {
          const status = await row.getAttribute("data-status");
          if (status === "failed") {
            const error = await row
              .getByTestId("document-error")
              .textContent()
              .catch(() => "");
            throw new Error(`Ingestion of ${name} failed: ${error}`);
          }
          return status;
        },
        { timeout, message: `${name} should become ready` },
      )
      .toBe("ready");
  }

  /** Uploads whichever of the files are not listed yet, then waits for all of them to be ready. */
  async ensureReady(files: { name: string; path: string }[]) {
    await this.goto();
    const missing: string[] = [];
    for (const f of files) if ((await this.row(f.name).count()) === 0) missing.push(f.path);
    if (missing.length > 0) await this.upload(missing);
    for (const f of files) await this.waitForReady(f.name);
  }

  async delete(name: string) {
    const row = this.row(name).first();
    await row.getByTestId("document-delete").click();
    await row.getByTestId("document-delete-confirm").click();
  }
}
