import { expect, test } from "@playwright/test";
import { saltLanterns } from "./fixtures/files";
import { DocumentsPage } from "./pages/documents-page";

test.describe("documents", () => {
  test("a bad file shows a clear error and adds no document", async ({ page }) => {
    const docs = new DocumentsPage(page);
    await docs.goto();
    const before = await docs.rows.count();

    await docs.upload([
      { name: "setup.exe", mimeType: "application/x-msdownload", buffer: Buffer.from("MZ\x90\x00binary") },
      { name: "empty.txt", mimeType: "text/plain", buffer: Buffer.alloc(0) },
    ]);

    await expect(docs.uploadItem("setup.exe")).toHaveAttribute("data-status", "error");
    await expect(docs.uploadItem("setup.exe").getByTestId("upload-error")).toContainText(/unsupported/i);
    await expect(docs.uploadItem("empty.txt")).toHaveAttribute("data-status", "error");
    await expect(docs.uploadItem("empty.txt").getByTestId("upload-error")).toContainText(/empty/i);

    await page.reload();
    await docs.waitForList();
    await expect(docs.rows).toHaveCount(before);
    await expect(docs.row("setup.exe")).toHaveCount(0);
    await expect(docs.row("empty.txt")).toHaveCount(0);
  });

  test("the server's error message is shown as it is", async ({ page }) => {
    const docs = new DocumentsPage(page);
    await page.route("**/api/documents", async (route) => {
      if (route.request().method() !== "POST") return route.fallback();
      await route.fulfill({
        status: 413,
        contentType: "application/json",
        body: JSON.stringify({ error: { code: "bad_request:upload", message: "The file is larger than 1 MB." } }),
      });
    });
    await docs.goto();
    await docs.upload([{ name: "big.txt", mimeType: "text/plain", buffer: Buffer.from("pretend this is big") }]);
    await expect(docs.uploadItem("big.txt").getByTestId("upload-error")).toHaveText("The file is larger than 1 MB.");
  });

  test("delete removes a document after confirmation", async ({ page }) => {
    const docs = new DocumentsPage(page);
    const name = `e2e-delete-${Date.now()}.txt`;
    await docs.goto();
    await docs.upload([
      {
        name,
        mimeType: "text/plain",
        buffer: Buffer.from(`A throwaway note ${name} about the ferrous owls of Kestrelmoor, made to be deleted.\n`),
      },
    ]);
    await expect(docs.uploadItem(name)).toHaveAttribute("data-status", "done");
    await docs.waitForReady(name);
    await expect(docs.row(name).getByTestId("document-chunks")).not.toHaveText("0");

    // Delete asks for confirmation first; cancelling keeps the row.
    await docs.row(name).getByTestId("document-delete").click();
    await expect(docs.row(name).getByTestId("document-delete-confirm")).toBeVisible();
    await docs.row(name).getByRole("button", { name: "Cancel" }).click();
    await expect(docs.row(name)).toHaveCount(1);

    await docs.delete(name);
    await expect(docs.row(name)).toHaveCount(0);
    await page.reload();
    await docs.waitForList();
    await expect(docs.row(name)).toHaveCount(0);
  });

  test("a PDF is ingested, and the same bytes again are recognised as already uploaded", async ({ page }) => {
    const docs = new DocumentsPage(page);
    await docs.goto();
    await docs.upload([saltLanterns.path]);
    await expect(docs.uploadItem(saltLanterns.name)).toHaveAttribute("data-status", "done");
    await docs.waitForReady(saltLanterns.name);
    await expect(docs.row(saltLanterns.name).getByTestId("document-chunks")).not.toHaveText("0");

    // Upload items live in the page's memory: after a reload only the second upload is listed.
    await page.reload();
    await docs.waitForList();
    await docs.upload([saltLanterns.path]);
    await expect(docs.uploadItem(saltLanterns.name)).toHaveAttribute("data-status", "done");
    await expect(docs.uploadItem(saltLanterns.name).getByTestId("upload-duplicate")).toHaveText(/already uploaded/i);
    await page.reload();
    await docs.waitForList();
    await expect(docs.row(saltLanterns.name)).toHaveCount(1);

    // Re-ingest rebuilds it from the stored bytes: the same chunks again, the document ready throughout.
    const row = docs.row(saltLanterns.name);
    const chunks = await row.getByTestId("document-chunks").textContent();
    await row.getByRole("button", { name: `Re-ingest ${saltLanterns.name}` }).click();
    await expect(row).toHaveAttribute("data-phase", "ready", { timeout: 60_000 });
    await expect(row).toHaveAttribute("data-status", "ready");
    await expect(row.getByTestId("document-chunks")).toHaveText(chunks!);

    await docs.delete(saltLanterns.name);
    await expect(docs.row(saltLanterns.name)).toHaveCount(0);
  });
});
