import path from "node:path";
import { defineConfig } from "vitest/config";
import SlowestFirstSequencer from "./testing/sequencer";

export default defineConfig({
  resolve: { alias: { "~": path.resolve(import.meta.dirname) } },
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", "e2e/**", ".next/**", ".data/**", ".tmp/**"],
    globalSetup: ["testing/global-setup.ts"],
    environment: "node",
    // Ceilings, not expectations: tests wait for states, and a loaded 2-core machine or CI runner may be several times slower.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: "forks",
    // Vitest's default on 2 cores is ONE worker (cores - 1): the CI ran every file one after another, while
    // much of a file's time is spent waiting on PostgreSQL, worker processes and the terraform CLI.
    maxWorkers: 2,
    // Files share their worker's process and module cache: importing the server's modules anew for each of
    // 131 files cost more than the tests themselves. testing/per-file.ts undoes what a file changes in the process.
    isolate: false,
    setupFiles: ["testing/per-file.ts"],
    sequence: { sequencer: SlowestFirstSequencer },
  },
});
