/**
 * Runs before every test file (vitest.config.mts setupFiles). Test files share their worker's process and
 * module cache (isolate: false), so each file starts by undoing what the previous one left in the process,
 * after all of that file's own teardown ran: process.env as the worker started, the parsed environment
 * (server/env.ts), and the process-wide pools, connections and engines, which pointed at that file's database.
 */
import { disconnectAll } from "~/db/client";
import { closeChangeHub } from "~/server/api/live-events";
import { closeSharedPostgresEngine } from "~/server/engines/postgres/engine";
import { closeSharedTerraformEngine } from "~/server/engines/terraform/engine";
import { forgetEnv } from "~/server/env";

const worker = globalThis as unknown as { __provisioWorkerEnv?: NodeJS.ProcessEnv };
const pristine = (worker.__provisioWorkerEnv ??= { ...process.env });

for (const name of Object.keys(process.env)) if (!(name in pristine)) delete process.env[name];
Object.assign(process.env, pristine);
forgetEnv();
await Promise.all([closeSharedPostgresEngine(), closeSharedTerraformEngine(), closeChangeHub()]);
await disconnectAll();
