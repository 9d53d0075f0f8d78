import { expect, type Locator, type Page } from "@playwright/test";

const baseUrl = () => process.env.E2E_BASE_URL ?? "http://127.0.0.1:3000";

export type UploadFile = string | { name: string; mimeType: string; buffer: Buffer };

/** A file built inside the page for a drop: its bytes, or `zeroBytes` of zeros (too large to send over). */
export type DropFile = { name: string; mimeType: string } & ({ buffer: Buffer } | { zeroBytes: number });

export class DocumentsPage {
  readonly uploadInput: Locator;
  readonly rows: Locator;
  readonly uploadItems: Locator;
  readonly uploadErrors: Locator;
  readonly dropzone: Locator;
  readonly filter: Locator;

  constructor(readonly page: Page) {
    this.uploadInput = page.getByTestId("upload-input");
    this.rows = page.getByTestId("document-row");
    this.uploadItems = page.getByTestId("upload-item");
    this.uploadErrors = page.getByTestId("upload-error");
    this.dropzone = page.getByTestId("upload-dropzone");
    this.filter = page.getByTestId("documents-filter");
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

  /**
   * A real drag and drop: a DataTransfer holding the files is made in the page and dragenter, dragover and
   * drop are dispatched on the drop zone, as the browser does when files are dragged in from the desktop.
   */
  async dropFiles(files: DropFile[]) {
    const specs = files.map((f) =>
      "buffer" in f
        ? { name: f.name, mimeType: f.mimeType, base64: f.buffer.toString("base64") }
        : { name: f.name, mimeType: f.mimeType, zeroBytes: f.zeroBytes },
    );
    const dataTransfer = await this.page.evaluateHandle(
      (specs) => {
        const dt = new DataTransfer();
        for (const s of specs) {
          const bytes =
            s.base64 !== undefined
              ? Uint8Array.from(atob(s.base64), (c) => c.charCodeAt(0))
              : new Uint8Array(s.zeroBytes!);
          dt.items.add(new File([bytes], s.name, { type: s.mimeType }));
        }
        return dt;
      },
      specs as { name: string; mimeType: string; base64?: string; zeroBytes?: number }[],
    );
    await this.dropzone.dispatchEvent("dragenter", { dataTransfer });
    await expect(this.dropzone).toHaveAttribute("data-dragging", "true");
    await this.dropzone.dispatchEvent("dragover", { dataTransfer });
    await this.dropzone.dispatchEvent("drop", { dataTransfer });
    await expect(this.dropzone).not.toHaveAttribute("data-dragging");
  }

  /** Uploads through the API (the signed-in user's session), for tests whose subject is not the upload. */
  async uploadViaApi(file: { name: string; mimeType: string; buffer: Buffer }): Promise<string> {
    const origin = new URL(baseUrl()).origin;
    const res = await this.page.request.post("/api/documents", {
      headers: { origin },
      multipart: { file: { name: file.name, mimeType: file.mimeType, buffer: file.buffer } },
    });
    expect(res.status(), await res.text()).toBe(202);
    return ((await res.json()) as { id: string }).id;
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

  /**
   * Records every value the matching elements' `attribute` takes (per element `key` attribute) from now
   * on, so a test can check a sequence of states however briefly each was shown.
   */
  async recordStates(selector: string, key: string, attribute: string) {
    await this.page.evaluate(
      ({ selector, key, attribute }) => {
        const w = window as unknown as { __states?: Record<string, string[]> };
        const seen: Record<string, string[]> = (w.__states = {});
        const record = () => {
          for (const el of document.querySelectorAll(selector)) {
            const k = el.getAttribute(key) ?? "";
            const v = el.getAttribute(attribute) ?? "";
            const list = (seen[k] ??= []);
            if (list.at(-1) !== v) list.push(v);
          }
        };
        record();
        new MutationObserver(record).observe(document.body, {
          subtree: true,
          childList: true,
          attributes: true,
          attributeFilter: [attribute],
        });
      },
      { selector, key, attribute },
    );
  }

  async recordedStates(): Promise<Record<string, string[]>> {
    return this.page.evaluate(() => (window as unknown as { __states?: Record<string, string[]> }).__states ?? {});
  }

  async delete(name: string) {
    const row = this.row(name).first();
    await row.getByTestId("document-delete").click();
    await row.getByTestId("document-delete-confirm").click();
  }
}
