/**
 * Worker tasks of runs: provision an approved request, execute (or resume) a run of any kind,
 * and the recovery sweep that hands runs whose worker died to a live one. graphile-worker hands
 * each job to one worker; the run's claim (run store) makes sure one worker at a time works on
 * an environment.
 */
import type { Database } from "~/db/client";
import { executeRun } from "~/server/runner/execute";
import { provisionRequest } from "~/server/runner/start-apply";
import type { RunnerOptions } from "~/server/runner/types";
import { requeueStaleRuns } from "~/server/runs/store";
import { defineTask } from "./define";

export function provisionRequestTask(db: Database, options: RunnerOptions) {
  return defineTask("provisionRequest", async ({ requestId }, helpers) => {
    const started = await provisionRequest(db, requestId, options);
    if (!started) return helpers.logger.info(`request ${requestId}: nothing to provision`);
    helpers.logger.info(`request ${requestId}: run ${started.runId} ${started.outcome}`);
  });
}

export function resumeRunTask(db: Database, options: RunnerOptions) {
  return defineTask("resumeRun", async ({ runId }, helpers) => {
    const outcome = await executeRun(db, runId, options);
    helpers.logger.info(`run ${runId}: ${outcome}`);
  });
}

/** Queues a resume job for every run whose worker stopped heartbeating. */
export function recoverRunsTask(db: Database) {
  return defineTask("recoverRuns", async (_payload, helpers) => {
    for (const runId of await requeueStaleRuns(db)) helpers.logger.info(`run ${runId}: its worker stopped heartbeating; queued to resume`);
  });
}
