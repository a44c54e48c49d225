import { defineConfig, globalIgnores } from "eslint/config";
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

export default defineConfig([
  ...nextVitals,
  ...nextTs,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
    },
  },
  {
    // The environment is read in one place (server/env.ts: validated, with defaults and the README's table).
    files: ["server/**/*.ts", "server/**/*.tsx", "db/**/*.ts"],
    ignores: [
      "server/env.ts",
      "**/*.test.ts",
      // Until the runner reads envVar("PROVISIO_RUN_STALE_MS") / envVar("PROVISIO_RUN_HEARTBEAT_MS") (see server/env.ts).
      "server/runner/provision.ts",
    ],
    rules: {
      "no-restricted-properties": [
        "error",
        { object: "process", property: "env", message: "Read the environment through server/env.ts (env() or envVar(name)), where every variable is validated and documented." },
      ],
    },
  },
  globalIgnores([".next/**", ".data/**", ".tmp/**", "node_modules/**", "next-env.d.ts", "test-results/**", "playwright-report/**"]),
]);
