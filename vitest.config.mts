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
    // Workers: vitest's default, cores - 1 (one on a 2-core CI runner). Two are not validated yet: on an overloaded
    // shared machine the tests that SIGKILL worker processes (chaos, recovery-backlog, sigkill) missed their
    // deadlines with two, though chaos missed them there with one too, isolated or not.
    // isolate: false (files sharing their worker's module cache; testing/per-file.ts resets process state) cut the
    // import time ~7x, but the full suite then failed 6 drift tests in 5 files (a process-wide leak not found yet):
    // kept off until that is fixed. Enable with isolate: false + setupFiles: ["testing/per-file.ts"].
    sequence: { sequencer: SlowestFirstSequencer },
  },
});
