import { expect, test } from "@playwright/test";
import { highlightSegments, highlightTerms } from "../components/inspect/highlight";
import { hoshizunaTea, tideBell } from "./fixtures/japanese";
import { legacyEncoder } from "./fixtures/legacy-encoding";
import { ChatPage } from "./pages/chat-page";
import { DocumentsPage } from "./pages/documents-page";
import { InspectPage } from "./pages/inspect-page";
import { readFileSync } from "node:fs";

const JAPANESE = /[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]/u;

test.describe("Japanese documents", () => {
  test("the Shift_JIS fixture is real Shift_JIS bytes (not UTF-8)", () => {
    expect([...legacyEncoder("shift_jis")("日本語")]).toEqual([0x93, 0xfa, 0x96, 0x7b, 0x8c, 0xea]);
    const bytes = readFileSync(hoshizunaTea.path);
    expect(() => new TextDecoder("utf-8", { fatal: true }).decode(bytes)).toThrow();
    expect(new TextDecoder("shift_jis", { fatal: true }).decode(bytes)).toContain("星砂茶");
  });

  test("query words to highlight: English words, Japanese words and single kanji", () => {
    expect(highlightTerms("How does the Reranker reorder passages?")).toEqual(["passages", "reranker", "reorder"]);
    const ja = highlightTerms("霧灯港の潮鐘はなぜ夜明け前に三度鳴るのですか？");
    expect(ja).toEqual(expect.arrayContaining(["夜明け", "三度", "鳴る", "潮", "鐘"]));
    for (const particle of ["の", "は", "なぜ", "です", "か"]) expect(ja).not.toContain(particle);
    const marks = highlightSegments("潮鐘は毎朝鳴る。The RERANKER reorders.", highlightTerms("潮鐘 reranker"))
      .filter((s) => s.hit)
      .map((s) => s.text);
    expect(marks).toEqual(["潮鐘", "RERANKER"]);
  });

  test("upload Japanese documents (UTF-8 and Shift_JIS), ask in Japanese, get a cited Japanese answer, inspect", async ({
    page,
  }) => {
    const docs = new DocumentsPage(page);
    await docs.ensureReady([tideBell, hoshizunaTea]);
    for (const f of [tideBell, hoshizunaTea]) {
      await expect(docs.row(f.name).getByTestId("document-chunks")).not.toHaveText("0");
    }
    const tideBellId = await docs.documentId(tideBell.name);
    const teaId = await docs.documentId(hoshizunaTea.name);

    // The Shift_JIS file was decoded: its text reads as Japanese in the document view.
    await page.goto(`/documents/${teaId}`);
    await expect(page.getByText("翠苔島の茶師は", { exact: false }).first()).toBeVisible();

    const chat = new ChatPage(page);
    await chat.goto();
    await chat.ask(tideBell.question);
    await chat.waitForAnswer();
    await expect(chat.citationLinks.first()).toBeVisible();
    await expect(chat.citationLinks.first()).toHaveAttribute("data-document-id", tideBellId);
    await expect(chat.answerText).toContainText(tideBell.answerPhrase);
    expect(await chat.answerText.textContent()).toMatch(JAPANESE);
    await expect(chat.lastAnswer.getByTestId("source-link").first()).toHaveText(tideBell.name);
    const inspectHref = await chat.inspectLink.getAttribute("href");
    expect(inspectHref).toMatch(/^\/inspect\/[0-9a-f-]{36}$/);

    // The Shift_JIS document answers its own question.
    await chat.ask(hoshizunaTea.question);
    await chat.waitForAnswer();
    await expect(chat.citationLinks.first()).toHaveAttribute("data-document-id", teaId);
    await expect(chat.answerText).toContainText(hoshizunaTea.answerPhrase);

    // Inspect: both rankings, and the query's words highlighted in an expanded passage.
    const inspect = new InspectPage(page);
    await page.goto(inspectHref!);
    await expect(inspect.query).toContainText("潮鐘");
    await expect(inspect.rows(inspect.fusedTable).first()).toBeVisible();
    await expect(inspect.rows(inspect.rerankTable).first()).toBeVisible();
    const top = inspect.rows(inspect.rerankTable).first();
    await top.click();
    const passage = inspect.rerankTable.getByTestId("inspect-passage-text").first();
    await expect(passage).toBeVisible();
    await expect(passage).toHaveAttribute("lang", "ja");
    await expect(passage.getByTestId("query-highlight").first()).toBeVisible();
    const highlighted = await passage.getByTestId("query-highlight").allTextContents();
    expect(highlighted.join("")).toMatch(/潮鐘|夜明け|三度|鳴る/u);
  });
});
