#!/usr/bin/env node
// `npm start` / `npm run dev`: install what is missing, build when stale, then launch the stack,
// as a list of steps with their elapsed times (a spinner in a terminal, plain lines elsewhere).
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ensureBuild, ensureDependencies, root } from "./lib/prepare.mjs";
import { createProgress } from "./lib/progress.mjs";

const dev = process.argv.includes("--dev");
process.env.NEXT_TELEMETRY_DISABLED = "1";
const progress = createProgress();
console.log(`\n  Starting Provisio (${dev ? "development" : "production"} mode)\n`);
await ensureDependencies(progress);
if (!dev) await ensureBuild(progress);

const { register } = await import("tsx/esm/api");
register({ tsconfig: path.join(root, "tsconfig.json") });
const { launchFromCli } = await import(pathToFileURL(path.join(root, "scripts", "lib", "stack.ts")).href);
await launchFromCli({ mode: dev ? "dev" : "prod", progress });
