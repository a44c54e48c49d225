import path from "node:path";
import { defineConfig } from "vitest/config";

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
  },
});
