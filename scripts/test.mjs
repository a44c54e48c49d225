#!/usr/bin/env node
// `npm test`: typecheck, lint, the template catalog check, unit + integration tests (vitest, real PostgreSQL), then the
// browser tests (Playwright, Debian's Chromium, production build). Ends with one summary line.
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { ensureChromium } from "./lib/chromium.mjs";
import { failedTests } from "./lib/failed-tests.mjs";
import { ensureBuild, ensureDependencies, root } from "./lib/prepare.mjs";

process.env.NEXT_TELEMETRY_DISABLED = "1";
const bin = (name) => path.join(root, "node_modules", ".bin", name);
const results = [];

function step(label, command, args, env = {}) {
  const started = Date.now();
  console.log(`\n━━ ${label}`);
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const ok = result.status === 0;
  results.push({ label, ok, seconds });
  console.log(`━━ ${label}: ${ok ? "ok" : `FAILED (exit ${result.status ?? result.signal})`} in ${seconds} s`);
  return ok;
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(path.join(root, file), "utf8"));
  } catch {
    return null;
  }
}

ensureDependencies();
const chromium = ensureChromium();
if (!chromium) process.exit(1);
// Playwright (playwright.config.ts) launches the same one, however it was found.
process.env.PLAYWRIGHT_CHROMIUM_PATH = chromium;
rmSync(path.join(root, ".tmp", "reports"), { recursive: true, force: true });

// One after another: side by side on two cores they took longer (70 s against 61 s).
const typecheckOk = step("typecheck", bin("tsc"), ["--noEmit"]);
const lintOk = step("lint", bin("eslint"), ["--max-warnings=0", "."]);
const formatOk = step("format (prettier --check)", bin("prettier"), ["--check", "--log-level=warn", "."]);
const templatesOk = step("templates:check", bin("tsx"), ["scripts/templates-check.ts"]);
step("unit and integration tests (vitest)", bin("vitest"), [
  "run",
  "--reporter=default",
  "--reporter=json",
  "--outputFile.json=.tmp/reports/unit-report.json",
]);
const buildStarted = Date.now();
// The tree was just type-checked: the build need not check it again (next.config.mjs).
if (typecheckOk) process.env.PROVISIO_TYPES_CHECKED = "1";
ensureBuild();
results.push({ label: "production build", ok: true, seconds: ((Date.now() - buildStarted) / 1000).toFixed(1) });
step("browser tests (playwright)", bin("playwright"), ["test"]);
// After the browser tests, so its load does not slow them: 50 signed-in users × 20 s against the production build, 0 5xx.
const loadOk = step("load smoke (50 users × 20 s)", bin("tsx"), ["scripts/load.ts", "--users", "50", "--seconds", "20"]);

const unit = readJson(".tmp/reports/unit-report.json");
const e2e = readJson(".tmp/reports/e2e-report.json");
const unitPassed = unit?.numPassedTests ?? 0;
const unitFailed = unit ? unit.numFailedTests : 1;
const e2ePassed = e2e?.stats?.expected ?? 0;
const e2eFailed = e2e ? (e2e.stats.unexpected ?? 0) + (e2e.stats.flaky ?? 0) : 1;

console.log("\n━━ summary");
for (const r of results) console.log(`  ${r.ok ? "ok  " : "FAIL"}  ${r.label.padEnd(38)} ${r.seconds} s`);
const problems = [];
if (!typecheckOk) problems.push("typecheck failed");
if (!lintOk) problems.push("lint failed");
if (!formatOk) problems.push("format (prettier --check) failed: run npm run format");
if (!templatesOk) problems.push("templates:check failed");
if (unitPassed === 0) problems.push("vitest ran no test");
if (e2ePassed === 0) problems.push("playwright ran no test");
for (const r of results) if (!r.ok && !problems.some((p) => p.startsWith(r.label))) problems.push(`${r.label} failed`);
for (const p of problems) console.log(`  problem: ${p}`);
// CI shows only the tail of this output: name each failure here, where it is read.
for (const name of failedTests(unit, e2e, root).slice(0, 20)) console.log(`  failed: ${name}`);
console.log(`vitest: ${unitPassed} passed, ${unitFailed} failed`);
console.log(`playwright: ${e2ePassed} passed, ${e2eFailed} failed`);
const failed = unitFailed + e2eFailed + (typecheckOk ? 0 : 1) + (lintOk ? 0 : 1) + (formatOk ? 0 : 1) + (templatesOk ? 0 : 1) + (loadOk ? 0 : 1);
console.log(`tests: ${unitPassed + e2ePassed} passed, ${failed} failed`);
process.exit(problems.length === 0 && failed === 0 ? 0 : 1);
