/**
 * Worker tasks of runs: provision an approved request, and execute (or resume) a run of any
 * kind, either queued normally (resume_run, the provisioning lane) or taken over from a worker
 * that died or stopped (recover_run, the recovery lane). graphile-worker hands each job to one
 * worker; the run's claim (run store) makes sure one worker at a time works on an environment.
 */
import type { Database } from "~/db/client";
import { executeRun } from "~/server/runner/execute";
import { provisionRequest } from "~/server/runner/start-apply";
import type { RunnerOptions } from "~/server/runner/types";
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

/** The same execution as resume_run, on the recovery lane's reserved capacity. */
export function recoverRunTask(db: Database, options: RunnerOptions) {
  return defineTask("recoverRun", async ({ runId }, helpers) => {
    const outcome = await executeRun(db, runId, options);
    helpers.logger.info(`run ${runId} (recovered): ${outcome}`);
  });
}
