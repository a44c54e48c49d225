/**
 * The recovery tick (recover_runs, control lane): every few seconds, workers whose heartbeat went
 * stale get their job locks released, and runs whose heartbeat went stale are handed to a
 * recover_run job (recovery lane). The queue does the timing: each tick first queues the next
 * one under the job's one key, so exactly one tick waits whatever the number of workers; each
 * worker queues one at start, and a cron line every minute restarts the chain should a worker
 * die between taking a tick and queuing the next.
 *
 * A SIGKILLed worker's runs thus resume about PROVISIO_RUN_STALE_MS + one tick after its last
 * heartbeat, and its jobs (a provision_request it had taken, a webhook delivery) run again.
 */
import type { Database } from "~/db/client";
import { enqueue } from "~/server/jobs/registry";
import { requeueStaleRuns, STALE_RUN_MS } from "~/server/runs/store";
import { releaseDeadWorkers, type DeadWorker } from "../heartbeat";
import { defineTask } from "./define";

/** A quarter of the staleness, at most 2 s (so recovery lands within PROVISIO_RUN_STALE_MS + a few seconds), at least 100 ms. */
export const recoveryTickMs = (staleMs: number = STALE_RUN_MS) => Math.max(100, Math.min(2_000, Math.floor(staleMs / 4)));

export type RecoveryReport = { deadWorkers: DeadWorker[]; recoveredRuns: string[] };

/** One pass: dead workers' locks first (their jobs become ready), then their runs to recover_run jobs. */
export async function recoverOnce(db: Database, staleMs: number = STALE_RUN_MS): Promise<RecoveryReport> {
  const deadWorkers = await releaseDeadWorkers(db, staleMs);
  const recoveredRuns = await requeueStaleRuns(db, staleMs);
  return { deadWorkers, recoveredRuns };
}

export function recoverRunsTask(db: Database, options: { staleMs?: number; tickMs?: number } = {}) {
  const staleMs = options.staleMs ?? STALE_RUN_MS;
  const tickMs = options.tickMs ?? recoveryTickMs(staleMs);
  return defineTask("recoverRuns", async (_payload, helpers) => {
    // The next tick before the work: a failure or a kill below does not end the chain.
    await enqueue(db, "recoverRuns", {}, { delayMs: tickMs });
    let report: RecoveryReport;
    try {
      report = await recoverOnce(db, staleMs);
    } catch (error) {
      // The next tick tries again in a moment; a failed job row per tick would only pile up.
      // The driver's own words (drizzle's message repeats the statement and its values).
      const reason = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
      helpers.logger.error(`recovery tick failed, the next one retries: ${reason}`);
      return;
    }
    const { deadWorkers, recoveredRuns } = report;
    for (const w of deadWorkers) {
      helpers.logger.warn(
        `worker ${w.workerId} stopped heartbeating (last seen ${w.lastSeenAt.toISOString()}): released ${w.jobsReleased} job lock(s) it held`,
      );
    }
    for (const runId of recoveredRuns) helpers.logger.info(`run ${runId}: its worker stopped heartbeating; queued to resume`);
  });
}
