/**
 * Worker tasks of the job runner: provision an approved request, resume a run whose worker
 * died, and the sweep that finds such runs. graphile-worker hands each job to one worker; the
 * run's own claim (status + heartbeat) makes sure one worker at a time works on an environment.
 */
import type { JobHelpers, Task } from "graphile-worker";
import { z } from "zod";
import type { Database } from "~/db/client";
import { executeRun, staleRuns, startApply, type RunnerOptions } from "~/server/runner/provision";

const requestPayload = z.object({ requestId: z.uuid() });
const runPayload = z.object({ runId: z.uuid() });

export function provisionRequestTask(db: Database, options: RunnerOptions): Task {
  return async (payload: unknown, helpers: JobHelpers) => {
    const { requestId } = requestPayload.parse(payload);
    const runId = await startApply(db, requestId);
    if (!runId) return helpers.logger.info(`request ${requestId}: nothing to provision`);
    const outcome = await executeRun(db, runId, options);
    helpers.logger.info(`request ${requestId}: run ${runId} ${outcome}`);
  };
}

export function resumeRunTask(db: Database, options: RunnerOptions): Task {
  return async (payload: unknown, helpers: JobHelpers) => {
    const { runId } = runPayload.parse(payload);
    const outcome = await executeRun(db, runId, options);
    helpers.logger.info(`run ${runId}: ${outcome}`);
  };
}

/** Hands every run whose worker stopped heartbeating (or that a stopping worker handed back) to a resume job. */
export function recoverRunsTask(db: Database): Task {
  return async (_payload: unknown, helpers: JobHelpers) => {
    for (const runId of await staleRuns(db)) {
      await helpers.addJob("resume_run", { runId }, { jobKey: `resume:${runId}`, maxAttempts: 3 });
      helpers.logger.info(`run ${runId}: its worker stopped heartbeating; queued to resume`);
    }
  };
}
