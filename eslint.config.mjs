import { defineConfig, globalIgnores } from "eslint/config";
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

/**
 * Layers only point down (README, "Developer guide"):
 *   app → components → (schemas and types of) server; app → server
 *   api → services → policy / templates / engines / jobs / runs → core → db
 *   runner → runs, engines, core, jobs (never services); worker → runner, services, jobs
 * Each zone below names what one layer may not import. Type-only imports of a lower layer's
 * shapes are allowed where a component must name what the API returns.
 */
const restrict = (files, patterns) => ({
  files,
  ignores: ["**/*.test.ts", "**/*.test.tsx", "testing/**"],
  rules: { "@typescript-eslint/no-restricted-imports": ["error", { patterns }] },
});
const layer = (regex, message, allowTypeImports = false) => ({ regex, message, allowTypeImports });

const uiMayNot = [
  layer(
    "^~/server/(?!schemas/|templates/(format|plan|cost-range|yaml-limits)$|policy/(types|approvals|money)$|auth/access$|api/batch-limit$|core/datetime$)",
    "components talk to the server through tRPC: import only server/schemas, template and policy types, or types (`import type`).",
    true,
  ),
  layer("^~/db/(?!vocabulary$)", "components read domain lists from ~/db/vocabulary, never the database.", true),
];
const noRunner = layer("^~/server/runner(/|$)", "only the worker executes runs: create them through ~/server/runs or enqueue through ~/server/jobs.");
const noServices = layer("^~/server/services(/|$)", "this layer sits below services: move what you need into ~/server/core.");
const noApi = layer("^~/server/(api|auth)(/|$)", "the API edge sits above this layer.");
const noUi = layer("^~/(app|components)(/|$)", "server code never imports the UI.");

export default defineConfig([
  ...nextVitals,
  ...nextTs,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
    },
  },
  restrict(["components/**"], uiMayNot),
  restrict(["server/services/**"], [noRunner, noApi, noUi]),
  restrict(["server/runner/**"], [noServices, noApi, noUi]),
  restrict(
    ["server/policy/**", "server/templates/**", "server/schemas/**", "server/engines/**", "server/jobs/**", "server/runs/**", "server/core/**"],
    [noRunner, noServices, noApi, noUi],
  ),
  restrict(["server/worker/**"], [noApi, noUi]),
  restrict(["db/**"], [layer("^~/(?!db/)", "db imports nothing of ours.")]),
  // Configuration is read and validated once, in server/env.ts; everything else asks it.
  {
    files: ["server/**", "db/**"],
    ignores: ["server/env.ts", "**/*.test.ts", "**/test-support.ts", "testing/**"],
    rules: {
      "no-restricted-properties": [
        "error",
        { object: "process", property: "env", message: "read configuration through ~/server/env (validated at start-up)." },
      ],
    },
  },
  globalIgnores([".next/**", ".data/**", ".tmp/**", "node_modules/**", "next-env.d.ts", "test-results/**", "playwright-report/**"]),
]);
