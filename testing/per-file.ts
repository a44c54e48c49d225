/**
 * Runs before every test file (vitest.config.mts setupFiles). Test files share their worker's process and
 * module cache (isolate: false), so each file starts by undoing what the previous one left in the process,
 * after all of that file's own teardown ran: process.env as the worker started, the parsed environment
 * (server/env.ts), the engines' availability (overridden or looked up under that file's environment), and the
 * process-wide pools, connections and engines, which pointed at that file's database.
 * It also registers the after-file hooks every file needs: a hook a shared helper module registers when it
 * loads would run for the first file that imports it only.
 */
import { afterAll } from "vitest";
import { disconnectAll } from "~/db/client";
import { closeChangeHub } from "~/server/api/live-events";
import { closeSharedPostgresEngine } from "~/server/engines/postgres/engine";
import { overrideEngineAvailability } from "~/server/engines/registry";
import { closeSharedTerraformEngine } from "~/server/engines/terraform/engine";
import { engineNames } from "~/server/engines/types";
import { forgetEnv } from "~/server/env";
import { killStartedWorkers } from "./worker-process";

const worker = globalThis as unknown as { __provisioWorkerEnv?: NodeJS.ProcessEnv };
const pristine = (worker.__provisioWorkerEnv ??= { ...process.env });

for (const name of Object.keys(process.env)) if (!(name in pristine)) delete process.env[name];
Object.assign(process.env, pristine);
forgetEnv();
for (const name of engineNames) overrideEngineAvailability(name, null);
await Promise.all([closeSharedPostgresEngine(), closeSharedTerraformEngine(), closeChangeHub()]);
await disconnectAll();

// Crash tests' worker processes (testing/worker-process.ts) die with their file, never serve the next one's runs.
afterAll(killStartedWorkers);
