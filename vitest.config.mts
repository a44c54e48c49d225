import path from "node:path";
import { defineConfig } from "vitest/config";
import SlowestFirstSequencer from "./testing/sequencer";

// Files that start worker processes and SIGKILL them, then hold the product to a recovery deadline
// (PROVISIO_RUN_STALE_MS + 5 s). They run last, one at a time, with nothing else on the machine: on an overloaded
// 2-core machine they missed their deadlines while another test file ran beside them.
const crashFiles = [
  "server/worker/chaos.test.ts",
  "server/worker/recovery-backlog.test.ts",
  "server/runner/sigkill.test.ts",
  "server/runner/update-sigkill.test.ts",
  "server/runner/update-postgres-sigkill.test.ts",
];

export default defineConfig({
  resolve: { alias: { "~": path.resolve(import.meta.dirname) } },
  test: {
    exclude: ["node_modules/**", "e2e/**", ".next/**", ".data/**", ".tmp/**"],
    // One throwaway PostgreSQL for the whole run (both projects).
    globalSetup: ["testing/global-setup.ts"],
    environment: "node",
    // Ceilings, not expectations: tests wait for states, and a loaded 2-core machine or CI runner may be several times slower.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: "forks",
    // Files share their worker's process and module cache: import time ~7x shorter. testing/per-file.ts resets the
    // process state a file leaves behind and registers the after-file hooks; a test that changes a module's state
    // (a registry, a table of handlers) puts it back itself. The order is fixed (testing/sequencer.ts), so a leak
    // fails the same way every run: reproduce one with --no-file-parallelism and the files in that order.
    isolate: false,
    setupFiles: ["testing/per-file.ts"],
    sequence: { sequencer: SlowestFirstSequencer },
    projects: [
      {
        extends: true,
        // Two workers even on two cores: most files wait on PostgreSQL and worker processes, not on the CPU.
        test: { name: "unit", include: ["**/*.test.ts"], exclude: crashFiles, maxWorkers: 2, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: "crash", include: crashFiles, fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
