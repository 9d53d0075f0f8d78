import {
  expect,
  test,
  type Browser,
  type BrowserContext,
  type Locator,
  type Page,
  type TestInfo,
} from "@playwright/test";
import { expectNoSeriousA11yViolations } from "./axe";
import { glasswing } from "./fixtures/files";
import { ChatPage } from "./pages/chat-page";
import { EvalPage } from "./pages/eval-page";
import { storageStatePath } from "./users";

// Issue 9, look and accessibility: every page, at desktop (1440) and phone (375) width, in light and dark,
// has no serious or critical axe-core violation and no page-wide horizontal scrolling; a full-page
// screenshot of each is attached to the report. Then the keyboard: the skip link, the navigation, the theme
// control and each page's main control are reached with Tab, with a visible focus ring; the theme switches
// by keyboard and stays across a reload; System follows the OS.

const THEME_KEY = "ranklens-theme";
const WIDTHS = { desktop: { width: 1440, height: 900 }, phone: { width: 375, height: 812 } } as const;
type Width = keyof typeof WIDTHS;
type Theme = "light" | "dark";

/** One document and one run, made once (as the admin, who sees every page) and reused by every test. */
let fixture: { documentId: string; runId: string } | undefined;

async function adminContext(browser: Browser, width: Width, theme: Theme | "system"): Promise<BrowserContext> {
  const context = await browser.newContext({ storageState: storageStatePath("admin"), viewport: WIDTHS[width] });
  if (theme !== "system")
    await context.addInitScript(([key, value]) => localStorage.setItem(key, value), [THEME_KEY, theme]);
  return context;
}

async function ensureFixture(browser: Browser, baseURL: string) {
  if (fixture) return fixture;
  const context = await adminContext(browser, "desktop", "light");
  const api = context.request;
  const headers = { origin: baseURL };
  const upload = await api.post("/api/documents", {
    headers,
    multipart: { file: { name: glasswing.name, mimeType: "text/markdown", buffer: await readFixture(glasswing.path) } },
  });
  expect([200, 202], `upload: ${await upload.text()}`).toContain(upload.status());
  const { id: documentId } = (await upload.json()) as { id: string };
  await expect
    .poll(async () => ((await (await api.get(`/api/documents/${documentId}`)).json()) as { status: string }).status, {
      timeout: 90_000,
      message: "the uploaded document becomes ready",
    })
    .toBe("ready");
  const search = await api.post("/api/search", { headers, data: { query: glasswing.question } });
  expect(search.status(), await search.text()).toBe(200);
  const { runId } = (await search.json()) as { runId: string };
  await context.close();
  fixture = { documentId, runId };
  return fixture;
}

async function readFixture(path: string): Promise<Buffer> {
  const fs = await import("node:fs/promises");
  return fs.readFile(path);
}

type PageCase = {
  name: string;
  signedOut?: boolean;
  /** Opens the page and waits until its content (not a loading state) is shown. */
  open: (page: Page, ids: { documentId: string; runId: string }) => Promise<void>;
};

const PAGES: PageCase[] = [
  {
    name: "sign-in",
    signedOut: true,
    open: async (page) => {
      await page.goto("/sign-in");
      await expect(page.getByLabel("Email")).toBeVisible();
    },
  },
  {
    name: "chat-empty",
    open: async (page) => {
      await new ChatPage(page).goto();
      await expect(page.getByTestId("assistant-message")).toHaveCount(0);
      await expect(page.getByText(/Loading conversations/)).toHaveCount(0);
    },
  },
  {
    name: "chat-answered",
    open: async (page) => {
      const chat = new ChatPage(page);
      await chat.goto();
      await chat.ask(glasswing.question);
      await chat.waitForAnswer();
      await expect(chat.citationLinks.first()).toBeVisible();
    },
  },
  {
    name: "documents",
    open: async (page) => {
      await page.goto("/documents");
      await expect(page.locator(`[data-testid="document-row"][data-name="${glasswing.name}"]`).first()).toBeVisible();
    },
  },
  {
    name: "document-view",
    open: async (page, { documentId }) => {
      await page.goto(`/documents/${documentId}`);
      await expect(page.getByText(/glasswing/i).first()).toBeVisible();
    },
  },
  {
    name: "inspect",
    open: async (page, { runId }) => {
      await page.goto(`/inspect/${runId}`);
      await expect(page.getByTestId("inspect-query")).toBeVisible();
      await expect(page.getByTestId("inspect-row").first()).toBeVisible();
    },
  },
  {
    name: "eval",
    open: async (page) => {
      await new EvalPage(page).goto();
      await expect(page.getByTestId("reranker-versions")).toBeVisible();
    },
  },
  {
    name: "metrics",
    open: async (page) => {
      await page.goto("/metrics");
      await expect(page.getByTestId("latency-table")).toBeVisible();
    },
  },
  {
    name: "settings",
    open: async (page) => {
      await page.goto("/settings");
      await expect(page.getByTestId("api-keys-empty").or(page.getByTestId("api-keys-table"))).toBeVisible();
    },
  },
  {
    name: "admin",
    open: async (page) => {
      await page.goto("/admin");
      await expect(page.getByTestId("users-table")).toBeVisible();
    },
  },
];

async function shot(page: Page, testInfo: TestInfo, name: string) {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: "image/png" });
}

/** The page itself does not scroll sideways (wide tables may scroll inside their own box). */
async function expectNoHorizontalOverflow(page: Page, name: string) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  expect(scrollWidth, `${name}: page wider than the ${innerWidth} px viewport`).toBeLessThanOrEqual(innerWidth);
}

for (const pageCase of PAGES) {
  for (const width of Object.keys(WIDTHS) as Width[]) {
    for (const theme of ["light", "dark"] as Theme[]) {
      const name = `${pageCase.name}-${width}-${theme}`;
      test(`${name}: no serious axe violations, no horizontal overflow`, async ({ browser, baseURL }, testInfo) => {
        const ids = pageCase.signedOut ? { documentId: "", runId: "" } : await ensureFixture(browser, baseURL!);
        const context = pageCase.signedOut
          ? await browser.newContext({ storageState: { cookies: [], origins: [] }, viewport: WIDTHS[width] })
          : await adminContext(browser, width, theme);
        if (pageCase.signedOut) {
          await context.addInitScript(([key, value]) => localStorage.setItem(key, value), [THEME_KEY, theme]);
        }
        const page = await context.newPage();
        await pageCase.open(page, ids);
        // The theme was applied before the first paint and holds after hydration.
        if (theme === "dark") await expect(page.locator("html")).toHaveClass(/\bdark\b/);
        else await expect(page.locator("html")).not.toHaveClass(/\bdark\b/);
        await shot(page, testInfo, name);
        await expectNoHorizontalOverflow(page, name);
        await expectNoSeriousA11yViolations(page, testInfo, name);
        await context.close();
      });
    }
  }
}

/** The focused element shows a focus indicator: an outline or a ring, on itself or the label it sits in. */
async function expectVisibleFocus(page: Page, what: string) {
  const indicator = await page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return null;
    const shows = (node: Element) => {
      const s = getComputedStyle(node);
      const outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0;
      const ring = s.boxShadow !== "none" && s.boxShadow !== "";
      return outline || ring;
    };
    // A visually hidden control (the theme radios) shows its focus on the label around it.
    const own = el.getBoundingClientRect();
    const target = own.width <= 1 || own.height <= 1 ? el.closest("label") : el;
    const rect = (target ?? el).getBoundingClientRect();
    // A borderless control inside a box that draws the ring for it (focus-within) counts too.
    const framed = [1, 2, 3].some((up) => {
      let node: Element | null = el;
      for (let i = 0; i < up && node; i++) node = node.parentElement;
      return !!node && /\bfocus-within:(ring|outline|border)/.test(node.className.toString()) && shows(node);
    });
    return {
      tag: el.tagName,
      text: (el.getAttribute("aria-label") ?? el.textContent ?? "").trim().slice(0, 40),
      visible: rect.width > 0 && rect.height > 0,
      focusRing: (!!target && shows(target)) || framed,
    };
  });
  expect(indicator, `${what}: something has focus`).not.toBeNull();
  expect(indicator!.visible, `${what}: the focused ${indicator!.tag} "${indicator!.text}" is on screen`).toBe(true);
  expect(indicator!.focusRing, `${what}: the focused ${indicator!.tag} "${indicator!.text}" shows focus`).toBe(true);
}

/** Puts the keyboard's starting point at the top of the document, as on a fresh page load. */
async function focusTop(page: Page) {
  await page.evaluate(() => {
    (document.activeElement as HTMLElement | null)?.blur();
    document.body.tabIndex = -1;
    document.body.focus();
    document.body.removeAttribute("tabindex");
  });
}

/** Presses Tab until `target` has focus, checking that every stop on the way shows its focus. */
async function tabTo(page: Page, target: Locator, what: string, maxStops = 40) {
  for (let i = 0; i < maxStops; i++) {
    await page.keyboard.press("Tab");
    await expectVisibleFocus(page, `${what} (stop ${i + 1})`);
    if (await target.evaluate((el) => el === document.activeElement).catch(() => false)) return;
  }
  throw new Error(`${what}: not reached in ${maxStops} Tab presses`);
}

test("keyboard: skip link, navigation, theme control and each page's main control, with visible focus", async ({
  browser,
  baseURL,
}) => {
  await ensureFixture(browser, baseURL!);
  const context = await adminContext(browser, "desktop", "light");
  const page = await context.newPage();
  const mainControls: [path: string, control: (page: Page) => Locator][] = [
    ["/chat", (p) => p.getByTestId("chat-input")],
    ["/documents", (p) => p.getByRole("button", { name: /choose files/i })],
    ["/eval", (p) => p.getByRole("link", { name: "Export (BEIR)" })],
    ["/metrics", (p) => p.locator("main").getByRole("link", { name: "Eval" })],
    ["/settings", (p) => p.getByLabel("Key name")],
    ["/admin", (p) => p.getByLabel("Email")],
  ];
  for (const [path, control] of mainControls) {
    await page.goto(path);
    await expect(control(page)).toBeVisible();
    // From the top of the page: the skip link comes first and shows itself when focused.
    // The gesture is repeated as a whole: a focus change during hydration must not strand a single Tab.
    const skip = page.getByRole("link", { name: "Skip to content" });
    await expect(async () => {
      await focusTop(page);
      await page.keyboard.press("Tab");
      await expect(skip).toBeFocused({ timeout: 1000 });
    }).toPass({ timeout: 15_000 });
    await expectVisibleFocus(page, `${path} skip link`);
    expect((await skip.boundingBox())!.width).toBeGreaterThan(20);
    // The navigation marks the current page.
    const nav = page.getByRole("navigation", { name: "Main" });
    await expect(nav.locator('[aria-current="page"]')).toHaveCount(1);
    await tabTo(page, nav.getByRole("link", { name: "Chat", exact: true }), `${path} nav`);
    await tabTo(page, page.getByTestId("theme-control").getByRole("radio", { checked: true }), `${path} theme control`);
    await tabTo(page, control(page), `${path} main control`);
  }

  // The skip link moves focus to the main content.
  await page.goto("/settings");
  await focusTop(page);
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  await expect(page.locator("main")).toBeFocused();
  await page.keyboard.press("Tab");
  await expectVisibleFocus(page, "first control after the skip link");
  await context.close();
});

test("keyboard: the theme control switches the theme, which stays across a reload; System follows the OS", async ({
  browser,
}) => {
  const context = await adminContext(browser, "desktop", "system");
  const page = await context.newPage();
  await page.emulateMedia({ colorScheme: "light" });
  const csp: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to execute/i.test(m.text())) csp.push(m.text());
  });
  const response = await page.goto("/settings");
  // The theme is applied by an inline script in <head>, allowed by the page's CSP nonce.
  expect(await response!.text()).toMatch(/<script nonce="[^"]+">[^<]*ranklens-theme/);
  const html = page.locator("html");
  await expect(html).not.toHaveClass(/\bdark\b/);
  await expect(page.getByRole("radio", { name: "System theme" })).toBeChecked();

  await focusTop(page);
  await tabTo(page, page.getByRole("radio", { name: "System theme" }), "theme control");
  await page.keyboard.press("ArrowRight"); // Light
  await expect(page.getByRole("radio", { name: "Light theme" })).toBeChecked();
  await page.keyboard.press("ArrowRight"); // Dark
  await expect(page.getByRole("radio", { name: "Dark theme" })).toBeChecked();
  await expect(html).toHaveClass(/\bdark\b/);
  expect(await html.evaluate((el) => getComputedStyle(el).colorScheme)).toBe("dark");
  expect(await page.evaluate((key) => localStorage.getItem(key), THEME_KEY)).toBe("dark");
  // The page really turned dark: the body's background is darker than its text.
  const [bg, fg] = await page.evaluate(() => {
    const s = getComputedStyle(document.body);
    return [s.backgroundColor, s.color];
  });
  expect(bg).not.toBe(fg);

  await page.reload();
  await expect(html).toHaveClass(/\bdark\b/);
  await expect(page.getByRole("radio", { name: "Dark theme" })).toBeChecked();

  // Back to System: the OS's preference decides, live.
  await page.getByRole("radio", { name: "Dark theme" }).focus();
  await page.keyboard.press("ArrowRight"); // wraps to System
  await expect(page.getByRole("radio", { name: "System theme" })).toBeChecked();
  await expect(html).not.toHaveClass(/\bdark\b/);
  await page.emulateMedia({ colorScheme: "dark" });
  await expect(html).toHaveClass(/\bdark\b/);
  await page.reload();
  await expect(html).toHaveClass(/\bdark\b/);
  await page.emulateMedia({ colorScheme: "light" });
  await expect(html).not.toHaveClass(/\bdark\b/);
  expect(csp).toEqual([]);
  await context.close();
});

test("phone: the navigation folds behind a Menu button that opens and closes by keyboard", async ({ browser }) => {
  const context = await adminContext(browser, "phone", "light");
  const page = await context.newPage();
  await page.goto("/settings");
  const menu = page.getByRole("button", { name: "Menu" });
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await expect(page.getByTestId("nav-documents")).toBeHidden();
  await menu.focus();
  await page.keyboard.press("Enter");
  await expect(menu).toHaveAttribute("aria-expanded", "true");
  await expect(page.getByTestId("nav-settings")).toHaveAttribute("aria-current", "page");
  await expectNoHorizontalOverflow(page, "phone menu open");
  await page.keyboard.press("Escape");
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await page.keyboard.press("Enter");
  await page.getByTestId("nav-documents").click();
  await expect(page).toHaveURL(/\/documents$/);
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await context.close();
});
