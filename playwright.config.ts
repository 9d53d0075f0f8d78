import { defineConfig, devices } from "@playwright/test";

// No webServer block: the test script starts one app + reranker worker for the whole suite (on a fresh
// data directory) and passes its URL in E2E_BASE_URL. The reranker-down spec stops that worker, so it
// runs last, as its own project depending on the others.
const baseURL = process.env.E2E_BASE_URL ?? "http://127.0.0.1:3000";

const chromium = {
  ...devices["Desktop Chrome"],
  viewport: { width: 1440, height: 900 },
  launchOptions: { executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] },
};

export default defineConfig({
  testDir: "./e2e",
  testMatch: "*.spec.ts",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: process.env.CI ? [["list"], ["html", { open: "never" }]] : "list",
  outputDir: "test-results",
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    { name: "chromium", use: chromium, testIgnore: /reranker-down\.spec\.ts/ },
    { name: "reranker-down", use: chromium, testMatch: /reranker-down\.spec\.ts/, dependencies: ["chromium"] },
  ],
});
