/**
 * The job runner: its own process, sharing only the database with web. graphile-worker hands
 * each job to exactly one worker; run several of these against one Postgres to scale out.
 *
 * Three graphile-worker runners share the process and a connection pool of their own, one per lane of the
 * job registry (server/jobs/registry.ts). graphile-worker only fetches jobs its runner lists, so
 * each lane's slots are its own:
 * - provisioning (WORKER_CONCURRENCY): provisioning, resumes, webhook deliveries;
 * - recovery (PROVISIO_RECOVERY_CONCURRENCY): runs taken over from a dead or stopping worker,
 *   which a full provisioning backlog can therefore never delay;
 * - control (2): the recovery tick and the sweeps, and the crontab (one runner schedules it).
 */
import { EventEmitter, setMaxListeners } from "node:events";
import { run, type Runner, type WorkerEvents } from "graphile-worker";
import { randomBytes } from "node:crypto";
import os from "node:os";
import { connect, disconnectAll, openConnections } from "~/db/client";
import { env } from "~/server/env";
import { enqueue, jobs, type Lane } from "~/server/jobs/registry";
import { heartbeatCounters, STALE_RUN_MS } from "~/server/runs/store";
import { logger } from "~/server/logger";
import { startHeartbeat } from "./heartbeat";
import { graphileLogger, withJobLogs } from "./job-log";
import { engineFor } from "~/server/engines/registry";
import { quietJobNames, taskListFrom } from "./tasks/define";
import { deliverWebhookTask } from "./tasks/deliver-webhook";
import { provisionRequestTask, recoverRunTask, resumeRunTask } from "./tasks/provisioning";
import { pruneHeartbeats } from "./tasks/prune-heartbeats";
import { queueDriftChecksTask } from "./tasks/queue-drift-checks";
import { recoverRunsTask, recoveryTickMs } from "./tasks/recovery";
import { evaluateSloBurnTask } from "./tasks/evaluate-slo-burn";
import { advanceFleetRolloutTask, sweepFleetRolloutsTask } from "./tasks/fleet-rollouts";
import { sweepExpiryTask } from "./tasks/sweep-expiry";
import { sweepOrphansTask } from "./tasks/sweep-orphans";

/** graphile-worker's pool: the three runners' LISTEN connections and eight for taking, completing and failing jobs. */
const JOB_POOL_SIZE = 3 + 8;

/** The tick and the sweeps: small, quick jobs; two slots so a long orphan sweep never holds up the tick. */
const CONTROL_CONCURRENCY = 2;

/** The URL with `synchronous_commit=off` for every session of its pool. */
function withAsyncCommit(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  const options = url.searchParams.get("options");
  url.searchParams.set("options", `${options ? `${options} ` : ""}-c synchronous_commit=off`);
  return url.toString();
}

async function main() {
  const config = env();
  const concurrency: Record<Lane, number> = {
    provisioning: config.WORKER_CONCURRENCY,
    recovery: config.PROVISIO_RECOVERY_CONCURRENCY,
    control: CONTROL_CONCURRENCY,
  };
  // Every slot's statements, the heartbeat and the runs' background log writes; kept open (min), so a
  // burst after a quiet spell does not wait for new connections.
  const poolSize = concurrency.provisioning + concurrency.recovery + concurrency.control + 4;
  const { db, pool } = connect(config.DATABASE_URL, poolSize, { min: poolSize });
  // graphile-worker's own bookkeeping (taking, completing and failing jobs; its LISTEN connections) on a pool of its
  // own whose commits do not wait for the disk: about 1 ms less between an approval and its apply, and a slot
  // free sooner after each job. A database crash can lose only the last of these, so a job runs again, which
  // every task already survives (a run is claimed, a request opened once). Our own changes, the jobs'
  // insertion included (services enqueue in their transactions), keep the main pool's durable commits.
  const { pool: jobPool } = connect(withAsyncCommit(config.DATABASE_URL), JOB_POOL_SIZE, { min: JOB_POOL_SIZE });
  // The connections the first jobs need, opened before taking any: an apply's first statement then
  // never waits for a connection to be made (hundreds of milliseconds when a burst of approvals
  // loads the machine). The rest open as they are needed and stay.
  await Promise.all([openConnections(pool, concurrency.provisioning + concurrency.recovery), openConnections(jobPool, JOB_POOL_SIZE)]);
  const workerId = `${os.hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;

  // Aborted on SIGTERM: a running apply stops at the next resource and hands its run back.
  const shuttingDown = new AbortController();
  // Every running run listens to it: more than Node's default 10 at a concurrency above 10 is no leak.
  setMaxListeners(concurrency.provisioning + concurrency.recovery + concurrency.control + 10, shuttingDown.signal);
  const runnerOptions = { workerId, engines: engineFor, signal: shuttingDown.signal };
  const tickMs = recoveryTickMs(STALE_RUN_MS);
  // One task per job of the registry (a job without a task does not compile). Every job logs its
  // start, finish or failure with the request/run it works on as correlation id.
  const tasks = {
    provisionRequest: provisionRequestTask(db, runnerOptions),
    resumeRun: resumeRunTask(db, runnerOptions),
    recoverRun: recoverRunTask(db, runnerOptions),
    recoverRuns: recoverRunsTask(db, { staleMs: STALE_RUN_MS, tickMs }),
    pruneWorkerHeartbeats: pruneHeartbeats(db),
    deliverWebhook: deliverWebhookTask(db),
    sweepExpiry: sweepExpiryTask(db),
    queueDriftChecks: queueDriftChecksTask(db),
    evaluateSloBurn: evaluateSloBurnTask(db),
    advanceFleetRollout: advanceFleetRolloutTask(db),
    sweepFleetRollouts: sweepFleetRolloutsTask(db),
    sweepOrphans: sweepOrphansTask(db, {
      mode: config.PROVISIO_ORPHAN_SWEEP === "remove" ? "remove" : "report",
      graceMs: config.PROVISIO_ORPHAN_GRACE_MINUTES * 60_000,
    }),
  };
  // The registry's attempts hold for cron jobs too (graphile-worker would default them to 25).
  const cron = (schedule: string, job: keyof typeof jobs) => `${schedule} ${jobs[job].name} ?max=${jobs[job].maxAttempts}`;

  // graphile-worker locks a runner's jobs with its pool's id: collected here for the heartbeat.
  const graphileWorkerIds: string[] = [];
  const events: WorkerEvents = new EventEmitter();
  events.on("pool:create", ({ workerPool }) => graphileWorkerIds.push(workerPool.id));

  const start = (lane: Lane, extra: { crontab?: string; pollInterval?: number } = {}) =>
    // run() migrates graphile-worker's own schema before it starts polling (one runner at a time).
    run({
      pgPool: jobPool,
      concurrency: concurrency[lane],
      taskList: withJobLogs(taskListFrom(tasks, lane), logger, quietJobNames),
      // Only the control runner schedules the cron lines (an empty list, not the crontab file, for the others).
      ...(extra.crontab ? { crontab: extra.crontab } : { parsedCronItems: [] }),
      pollInterval: extra.pollInterval,
      events,
      noHandleSignals: true,
      // graphile-worker's own messages as JSON lines too.
      logger: graphileLogger(logger.child({ lane })),
    });
  const runners: Runner[] = [];
  runners.push(await start("provisioning"));
  runners.push(await start("recovery"));
  runners.push(
    await start("control", {
      // The tick's next run is a scheduled job: polled for at the tick's pace.
      pollInterval: tickMs,
      // The tick queues itself every few seconds; the minute line restarts it should a worker die
      // between taking a tick and queuing the next. Expiry reminders and TTL destroys every minute;
      // simulator resources with our tags but no record every 15 minutes (PROVISIO_ORPHAN_SWEEP).
      crontab: [
        cron("17 3 * * *", "pruneWorkerHeartbeats"),
        cron("* * * * *", "recoverRuns"),
        cron("* * * * *", "sweepExpiry"),
        cron("* * * * *", "queueDriftChecks"),
        cron("* * * * *", "evaluateSloBurn"),
        cron("* * * * *", "sweepFleetRollouts"),
        ...(config.PROVISIO_ORPHAN_SWEEP === "off" ? [] : [cron("*/15 * * * *", "sweepOrphans")]),
      ].join("\n"),
    }),
  );
  const stopHeartbeat = await startHeartbeat(db, workerId, config.WORKER_CONCURRENCY, {
    graphileWorkerIds,
    onError: (error) => logger.warn({ err: error }, "worker heartbeat failed; the next one retries"),
  });
  // At start: the recovery tick now (runs a killed worker left behind), and its chain from here.
  await enqueue(db, "recoverRuns", {});
  logger.info({ workerId, concurrency, graphileWorkerIds, recoveryTickMs: tickMs }, "worker started");

  let stopping = false;
  const shutdown = async (signal: string) => {
    // A second signal, or a hand-back that cannot finish (its database unreachable), must not leave a
    // process that no longer stops: runs it still held go stale and another worker resumes them.
    if (stopping) {
      logger.warn({ signal }, "worker stopping now: second signal before its runs were handed back");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, graceMs: config.PROVISIO_SHUTDOWN_GRACE_MS }, "worker stopping: finishing running jobs");
    setTimeout(() => {
      logger.error({ graceMs: config.PROVISIO_SHUTDOWN_GRACE_MS }, "worker stopping now: its runs were not handed back in time");
      process.exit(1);
    }, config.PROVISIO_SHUTDOWN_GRACE_MS).unref();
    try {
      shuttingDown.abort(new Error(`worker received ${signal}`));
      await Promise.all(runners.map((r) => r.stop()));
      await stopHeartbeat();
    } finally {
      await disconnectAll();
      logger.info({ runHeartbeatFailures: heartbeatCounters.failures, runClaimsLost: heartbeatCounters.lost }, "worker stopped");
      process.exit(0);
    }
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
  // A runner that ends on its own (its database gone for good) ends the process: the supervisor restarts it.
  const ended = await Promise.race(
    runners.map((r) =>
      r.promise.then(
        () => null,
        (error: unknown) => error,
      ),
    ),
  );
  if (stopping) return;
  throw ended instanceof Error ? ended : new Error("a job runner stopped unexpectedly");
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, error instanceof Error ? error.message : "worker failed");
  process.exit(1);
});
