import { defineConfig, devices } from "@playwright/test";
import { storageStatePath } from "./e2e/users";

// No webServer block: the test script starts one app + reranker worker for the whole suite (on a fresh
// data directory) and passes its URL in E2E_BASE_URL. The reranker-down spec stops that worker, so it
// runs last, as its own project depending on the others. The app runs in AUTH_MODE=accounts: the setup
// project signs in the e2e users (e2e/auth.setup.ts) and the specs run as alice.
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
    { name: "setup", testMatch: /auth\.setup\.ts/ },
    {
      name: "chromium",
      use: { ...chromium, storageState: storageStatePath("alice") },
      testIgnore: /reranker-down\.spec\.ts/,
      dependencies: ["setup"],
    },
    {
      name: "reranker-down",
      use: { ...chromium, storageState: storageStatePath("alice") },
      testMatch: /reranker-down\.spec\.ts/,
      dependencies: ["chromium"],
    },
  ],
});
