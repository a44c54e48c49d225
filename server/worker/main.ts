/**
 * The job runner: its own process, sharing only the database with web. graphile-worker hands
 * each job to exactly one worker; run several of these against one Postgres to scale out.
 */
import { run } from "graphile-worker";
import { randomBytes } from "node:crypto";
import os from "node:os";
import { connect, disconnectAll } from "~/db/client";
import { env } from "~/server/env";
import { jobs } from "~/server/jobs/registry";
import { heartbeatCounters } from "~/server/runs/store";
import { logger } from "~/server/logger";
import { startHeartbeat } from "./heartbeat";
import { graphileLogger, withJobLogs } from "./job-log";
import { engineFor } from "~/server/engines/registry";
import { taskListFrom } from "./tasks/define";
import { deliverWebhookTask } from "./tasks/deliver-webhook";
import { provisionRequestTask, recoverRunsTask, resumeRunTask } from "./tasks/provisioning";
import { pruneHeartbeats } from "./tasks/prune-heartbeats";
import { sweepExpiryTask } from "./tasks/sweep-expiry";
import { sweepOrphansTask } from "./tasks/sweep-orphans";

async function main() {
  const config = env();
  const { db, pool } = connect(config.DATABASE_URL, config.WORKER_CONCURRENCY + 4);
  const workerId = `${os.hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;

  // Aborted on SIGTERM: a running apply stops at the next resource and hands its run back.
  const shuttingDown = new AbortController();
  const runnerOptions = { workerId, engines: engineFor, signal: shuttingDown.signal };
  // One task per job of the registry (a job without a task does not compile). Every job logs its
  // start, finish or failure with the request/run it works on as correlation id.
  const taskList = withJobLogs(
    taskListFrom({
      provisionRequest: provisionRequestTask(db, runnerOptions),
      resumeRun: resumeRunTask(db, runnerOptions),
      recoverRuns: recoverRunsTask(db),
      pruneWorkerHeartbeats: pruneHeartbeats(db),
      deliverWebhook: deliverWebhookTask(db),
      sweepExpiry: sweepExpiryTask(db),
      sweepOrphans: sweepOrphansTask(db, { mode: config.PROVISIO_ORPHAN_SWEEP === "remove" ? "remove" : "report", graceMs: config.PROVISIO_ORPHAN_GRACE_MINUTES * 60_000 }),
    }),
  );
  const cron = (schedule: string, job: keyof typeof jobs) => `${schedule} ${jobs[job].name}`;

  // run() migrates graphile-worker's own schema before it starts polling.
  const runner = await run({
    pgPool: pool,
    concurrency: config.WORKER_CONCURRENCY,
    taskList,
    // Every minute: hand runs whose worker died to a live one; expiry reminders and TTL destroys.
    // Every 15 minutes: simulator resources with our tags but no record (PROVISIO_ORPHAN_SWEEP).
    crontab: [
      cron("17 3 * * *", "pruneWorkerHeartbeats"),
      cron("* * * * *", "recoverRuns"),
      cron("* * * * *", "sweepExpiry"),
      ...(config.PROVISIO_ORPHAN_SWEEP === "off" ? [] : [cron("*/15 * * * *", "sweepOrphans")]),
    ].join("\n"),
    noHandleSignals: true,
    // graphile-worker's own messages as JSON lines too.
    logger: graphileLogger(logger),
  });
  const stopHeartbeat = await startHeartbeat(db, workerId, config.WORKER_CONCURRENCY);
  // At start too: runs a killed worker left behind resume without waiting for the cron minute.
  await runner.addJob(jobs.recoverRuns.name, {}, { jobKey: "recover_runs:startup" });
  logger.info({ workerId, concurrency: config.WORKER_CONCURRENCY }, "worker started");

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "worker stopping: finishing running jobs");
    try {
      shuttingDown.abort(new Error(`worker received ${signal}`));
      await runner.stop();
      await stopHeartbeat();
    } finally {
      await disconnectAll();
      logger.info({ runHeartbeatFailures: heartbeatCounters.failures, runClaimsLost: heartbeatCounters.lost }, "worker stopped");
      process.exit(0);
    }
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
  await runner.promise;
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, error instanceof Error ? error.message : "worker failed");
  process.exit(1);
});
