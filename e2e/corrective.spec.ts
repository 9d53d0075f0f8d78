import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { expectNoSeriousA11yViolations } from "./axe";
import { ensureBellFoundry } from "./fixtures/bell-foundry";
import { ChatPage } from "./pages/chat-page";
import { InspectPage } from "./pages/inspect-page";

// The corrective loop made visible: a question asked in corrective mode through the search API (the real
// app, reranker worker and starter models; no LLM, so the score grader and RM3), whose first round finds
// weak evidence and rewrites; the inspect view shows each round (query with the added words, grades, why
// it went on or stopped, latency, both rankings, the final evidence), by keyboard too; the what-if panel
// replays the run in corrective mode by default.

type Grade = { chunkId: number; relevant: boolean; score: number | null };
type Round = {
  round: number;
  query: string;
  rewrite?: { method: string; terms?: { term: string }[] };
  grading: { method: string; grades: Grade[] } | null;
  decision: { action: string; reason: string };
  latencyMs: number;
};
type Corrective = {
  rounds: Round[];
  stopReason: string;
  evidenceChunkIds: number[];
  maxRounds: number;
  threshold: number;
};
type SearchResponse = { runId: string; mode: string; corrective: Corrective };

// Questions the document answers badly or not at all: the reranker's scores stay low, so the score grader
// finds too few relevant passages and the loop rewrites. The first that does is used.
const QUESTIONS = [
  "How are the bells painted before they are delivered?",
  "What does the foundry pay its apprentices each week?",
  "Which bells were cast for the ships in fog?",
];

async function shot(page: Page, testInfo: TestInfo, name: string, fullPage = true) {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage });
  await testInfo.attach(name, { path, contentType: "image/png" });
}

async function askCorrective(page: Page): Promise<SearchResponse> {
  for (const query of QUESTIONS) {
    const res = await page.request.post("/api/search", { data: { query, mode: "corrective" } });
    expect(res.status()).toBe(200);
    const body = (await res.json()) as SearchResponse;
    expect(body.mode).toBe("corrective");
    if (body.corrective.rounds.length >= 2) return body;
  }
  throw new Error(`none of the questions made the corrective loop rewrite: ${QUESTIONS.join(" | ")}`);
}

test("corrective run: every round in the inspect view, keyboard tabs, replay in corrective mode", async ({
  page,
}, testInfo) => {
  test.setTimeout(240_000);
  await ensureBellFoundry(page);
  const asked = await askCorrective(page);
  const { rounds } = asked.corrective;
  expect(rounds[0].decision).toMatchObject({ action: "continue", reason: "weak_evidence" });
  expect(rounds[1].rewrite?.method).toBe("rm3");

  const inspect = new InspectPage(page);
  await inspect.goto(asked.runId);
  await expect(page.getByTestId("inspect-mode")).toHaveText(`corrective · ${rounds.length} rounds`);
  const panel = page.getByTestId("corrective-rounds");
  await expect(panel).toBeVisible();
  await expect(panel.getByTestId("corrective-stop")).not.toBeEmpty();
  const tabs = panel.getByRole("tab");
  await expect(tabs).toHaveCount(rounds.length);
  await expect(tabs.first()).toHaveAttribute("aria-selected", "true");

  // Round 1: the question as asked, its grades, why the loop went on, its latency and both rankings.
  const round1 = panel.getByRole("tabpanel", { name: /Round 1/ });
  await expect(round1).toBeVisible();
  await expect(round1.getByTestId("corrective-round-query")).toHaveText(asked.corrective.rounds[0].query);
  await expect(round1.getByTestId("corrective-added-words")).toHaveCount(0);
  const grades1 = round1.getByTestId("corrective-grade");
  await expect(grades1).toHaveCount(rounds[0].grading!.grades.length);
  for (const [i, g] of rounds[0].grading!.grades.entries()) {
    const row = grades1.nth(i);
    await expect(row).toHaveAttribute("data-chunk-id", String(g.chunkId));
    await expect(row).toHaveAttribute("data-relevant", String(g.relevant));
    await expect(row).toContainText(g.relevant ? "relevant" : "not relevant");
    await expect(row).toHaveAttribute(
      "data-in-evidence",
      String(asked.corrective.evidenceChunkIds.includes(g.chunkId)),
    );
  }
  await expect(round1.getByTestId("corrective-grading-method")).toContainText("calibrated score");
  await expect(round1.getByTestId("corrective-round-reason")).toHaveText(/rewritten/);
  await expect(round1.getByTestId("corrective-round-latency")).toContainText(/round\s*\d/);
  await expect(round1.getByTestId("corrective-round-timings")).toBeVisible();
  await expect(round1.getByTestId("inspect-table-fused").getByTestId("inspect-row").first()).toBeVisible();
  await expect(round1.getByTestId("inspect-table-rerank").getByTestId("inspect-row").first()).toBeVisible();
  await shot(page, testInfo, "corrective-round1-1440");

  // Keyboard: the selected tab takes focus; the arrow key moves to round 2.
  await tabs.first().focus();
  await page.keyboard.press("ArrowRight");
  await expect(tabs.nth(1)).toBeFocused();
  await expect(tabs.nth(1)).toHaveAttribute("aria-selected", "true");
  await expect(round1).toBeHidden();
  const round2 = panel.getByRole("tabpanel", { name: /Round 2/ });
  await expect(round2).toBeVisible();
  // The rewritten query, RM3's added terms marked.
  await expect(round2.getByTestId("corrective-round-query")).toHaveText(rounds[1].query);
  await expect(round2.getByTestId("corrective-rewrite-method")).toHaveText("RM3 expansion");
  const added = round2.getByTestId("corrective-added-words");
  await expect(added.first()).toBeVisible();
  const addedText = (await added.allInnerTexts()).join(" ");
  for (const t of rounds[1].rewrite!.terms!.slice(0, 3)) expect(addedText).toContain(t.term);
  await expect(round2.getByTestId("corrective-grade")).toHaveCount(rounds[1].grading?.grades.length ?? 0);
  await expect(round2.getByTestId("corrective-round-decision")).toContainText(
    rounds[1].decision.action === "stop" ? "stopped" : "continued",
  );
  await expect(round2.getByTestId("corrective-round-latency")).toContainText("rewrite");
  await page.keyboard.press("Home");
  await expect(tabs.first()).toHaveAttribute("aria-selected", "true");
  await page.keyboard.press("End");
  await expect(tabs.last()).toHaveAttribute("aria-selected", "true");
  await tabs.nth(1).click();
  await shot(page, testInfo, "corrective-round2-1440");
  await expectNoSeriousA11yViolations(page, testInfo, "inspect-corrective-rounds-1440");

  // Replay: the what-if panel starts in corrective mode with the run's settings; the replay is corrective.
  const whatIf = page.getByTestId("what-if");
  await expect(whatIf.getByLabel("mode", { exact: true })).toHaveValue("corrective");
  await expect(whatIf.getByLabel("max rounds")).toHaveValue(String(asked.corrective.maxRounds));
  await expect(whatIf.getByLabel("grade threshold")).toHaveValue(String(asked.corrective.threshold));
  await whatIf.getByLabel("k", { exact: true }).fill("20");
  await whatIf.getByRole("button", { name: "Re-run" }).click();
  const result = whatIf.getByTestId("what-if-result");
  await expect(result).toBeVisible({ timeout: 60_000 });
  await expect(result.getByTestId("what-if-replay-settings")).toContainText(/corrective, \d rounds?/);
  await expect(result.getByTestId("what-if-summary")).toBeVisible();
  await expect(result.getByTestId("what-if-change").first()).toBeVisible();
  const replayId = (await result.getByTestId("what-if-replay-link").getAttribute("href"))!.split("/").pop()!;
  const replay = (await (await page.request.get(`/api/runs/${replayId}`)).json()) as {
    replayOf: string;
    params: { k: number; mode?: string; corrective?: Corrective };
  };
  expect(replay.replayOf).toBe(asked.runId);
  expect(replay.params).toMatchObject({ k: 20, mode: "corrective" });
  expect(replay.params.corrective!.rounds.length).toBeGreaterThanOrEqual(1);
  await shot(page, testInfo, "corrective-replay-1440", false);

  // The replay's own inspect view shows its rounds.
  await inspect.goto(replayId);
  await expect(page.getByTestId("corrective-round-tab")).toHaveCount(replay.params.corrective!.rounds.length);
  await expect(page.getByTestId("inspect-replay-of")).toBeVisible();

  // 375 px: the rounds fit the screen (no sideways scrolling of the page).
  await inspect.goto(asked.runId);
  await page.setViewportSize({ width: 375, height: 812 });
  await page.getByTestId("corrective-round-tab").nth(1).click();
  await expect(panel.getByRole("tabpanel", { name: /Round 2/ })).toBeVisible();
  await expect
    .poll(() => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth))
    .toBe(0);
  await shot(page, testInfo, "corrective-round2-375");
  await expectNoSeriousA11yViolations(page, testInfo, "inspect-corrective-rounds-375");
});

test("chat: the corrective loop is a retrieval setting, and the answer's run shows its rounds", async ({ page }) => {
  test.setTimeout(180_000);
  await ensureBellFoundry(page);
  const chat = new ChatPage(page);
  await chat.goto();
  await page.getByTestId("chat-settings-toggle").click();
  await page.getByTestId("setting-corrective").check();
  await expect(page.getByTestId("chat-settings-toggle")).toContainText("corrective");
  await chat.ask(QUESTIONS[0]);
  await chat.waitForAnswer(120_000);
  await chat.inspectLink.click();
  await expect(page.getByTestId("inspect-mode")).toHaveText(/^corrective · \d rounds?$/);
  await expect(page.getByTestId("corrective-rounds").getByRole("tab").first()).toBeVisible();
});
