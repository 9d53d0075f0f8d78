import { execSync } from "node:child_process";
import { expect, test } from "@playwright/test";
import { sampleDocuments, tidalClock } from "./fixtures/files";
import { ChatPage } from "./pages/chat-page";
import { DocumentsPage } from "./pages/documents-page";
import { InspectPage } from "./pages/inspect-page";

// The test script says how to stop the reranker worker it started: a shell command, or the worker's pid.
const stopCommand = process.env.E2E_STOP_WORKER_CMD;
const workerPid = process.env.E2E_WORKER_PID ? Number(process.env.E2E_WORKER_PID) : undefined;
const startCommand = process.env.E2E_START_WORKER_CMD;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stopWorker() {
  if (stopCommand) {
    execSync(stopCommand, { stdio: "inherit", timeout: 30_000 });
    return;
  }
  if (workerPid) {
    process.kill(workerPid, "SIGTERM");
    await expect.poll(() => isAlive(workerPid), { timeout: 15_000 }).toBe(false);
  }
}

test.describe("reranker down", () => {
  test.skip(!stopCommand && !workerPid, "set E2E_STOP_WORKER_CMD or E2E_WORKER_PID to stop the reranker worker");

  test.afterAll(() => {
    // Give the worker back to anything that runs after this suite.
    if (startCommand) execSync(startCommand, { stdio: "inherit", timeout: 60_000 });
  });

  test("the answer still comes, from the fused order, marked not reranked", async ({ page }) => {
    const docs = new DocumentsPage(page);
    await docs.ensureReady(sampleDocuments);
    const tidalClockId = await docs.documentId(tidalClock.name);

    await stopWorker();

    const chat = new ChatPage(page);
    await chat.goto();
    await chat.ask(tidalClock.question);
    await chat.waitForAnswer();

    await expect(chat.notRerankedBadge).toBeVisible();
    await expect(chat.notRerankedBadge).toContainText(/not reranked/i);
    await expect(chat.citationLinks.first()).toHaveAttribute("data-document-id", tidalClockId);
    await expect(chat.livePanel.getByTestId("live-post-rerank")).toContainText(/not reranked/i);

    const inspectHref = await chat.inspectLink.getAttribute("href");
    const inspect = new InspectPage(page);
    await page.goto(inspectHref!);
    await expect(inspect.rows(inspect.fusedTable).first()).toBeVisible();
    await expect(inspect.rerankSkipped).toBeVisible();
    await expect(inspect.rerankTable).toHaveCount(0);
  });
});
