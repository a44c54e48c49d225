import { defineConfig, devices } from "@playwright/test";
import { E2E_PORT } from "./e2e/support/ports";
import { chromiumPath } from "./scripts/lib/chromium.mjs";

export default defineConfig({
  testDir: "e2e",
  fullyParallel: true,
  workers: 2,
  forbidOnly: true,
  // A failing test runs once more, recording a trace (below), and still fails the run: a pass on the retry is
  // reported flaky, and failOnFlakyTests makes the exit code say so (scripts/test.mjs counts flaky as failed).
  retries: 1,
  failOnFlakyTests: true,
  // Ceilings for a slow, shared machine (a laptop, a busy CI runner): tests wait for states, never for durations.
  timeout: 180_000,
  expect: { timeout: 20_000 },
  reporter: [["list"], ["json", { outputFile: ".tmp/reports/e2e-report.json" }]],
  use: {
    baseURL: `http://localhost:${E2E_PORT}`,
    // Recording a trace for every test took a third of the browser tests' time (its screencast and snapshots):
    // only the retry of a failed test records one (test-results/, open with npx playwright show-trace).
    trace: "on-first-retry",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: chromiumPath(),
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
      ],
    },
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"], channel: undefined } }],
  webServer: {
    command: "node --import tsx e2e/support/stack.ts",
    url: `http://127.0.0.1:${E2E_PORT}/api/health`,
    timeout: 300_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 30_000 },
  },
});
