/**
 * Every job the worker runs, defined once: its graphile-worker task name, the schema of its
 * payload, its job key (so a second enqueue of the same work is a no-op) and its attempts.
 * Services and the runner enqueue through `enqueue`, inside the transaction that makes the
 * change, so a job exists exactly when its change commits; the worker builds its task list
 * from the same table (server/worker/tasks), so a name can never drift between the two sides.
 */
import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "~/db/client";

/**
 * Which of the worker's runners (server/worker/main.ts) fetch a job. graphile-worker only fetches
 * jobs whose task its runner lists, so each lane is capacity the others cannot take:
 * - provisioning: the long work (applies, destroys, deliveries), WORKER_CONCURRENCY slots;
 * - recovery: runs taken over from a dead (or stopping) worker, PROVISIO_RECOVERY_CONCURRENCY
 *   slots of their own (and any free provisioning slot), so a backlog never delays them;
 * - control: the recovery tick and the sweeps, a couple of slots, never behind an apply.
 */
export const lanes = ["provisioning", "recovery", "control"] as const;
export type Lane = (typeof lanes)[number];

type JobDefinition<P extends z.ZodType> = {
  /** The graphile-worker task name. */
  name: string;
  /** The runners that fetch it. */
  lanes: readonly Lane[];
  payload: P;
  /** One waiting job per key: enqueueing the same work again changes nothing (or moves it to now). */
  key?: (payload: z.infer<P>) => string;
  /** `preserve_run_at` keeps a scheduled job's time when it is enqueued again. */
  keyMode?: "replace" | "preserve_run_at";
  maxAttempts: number;
  /** graphile-worker queue: jobs of one queue run one at a time, in order. */
  queue?: string;
  /** graphile-worker priority: lower runs first among jobs that are due. */
  priority?: number;
  /** Its start and finish lines are debug, not info (a job that runs every few seconds). */
  quiet?: boolean;
};

const define = <P extends z.ZodType>(definition: JobDefinition<P>) => definition;

const noPayload = z.object({}).loose();

export const jobs = {
  /** Turn an approved request into an environment and its apply run, and execute it. */
  provisionRequest: define({
    name: "provision_request",
    payload: z.object({ requestId: z.uuid() }),
    key: (p) => `provision:${p.requestId}`,
    keyMode: "preserve_run_at",
    maxAttempts: 5,
    lanes: ["provisioning"],
  }),
  /** Execute (or resume) one run of any kind. */
  resumeRun: define({
    name: "resume_run",
    payload: z.object({ runId: z.uuid() }),
    key: (p) => `resume:${p.runId}`,
    maxAttempts: 3,
    lanes: ["provisioning"],
  }),
  /**
   * Resume a run whose worker died (its heartbeat went stale) or handed it back while stopping:
   * work already under way, so it has capacity of its own and goes first. Same key as
   * resumeRun, so a run has one waiting job whichever queued it; `preserve_run_at` keeps its
   * place in line when the recovery tick queues it again.
   */
  recoverRun: define({
    name: "recover_run",
    payload: z.object({ runId: z.uuid() }),
    key: (p) => `resume:${p.runId}`,
    keyMode: "preserve_run_at",
    maxAttempts: 3,
    priority: -10,
    lanes: ["recovery", "provisioning"],
  }),
  /** One attempt at one webhook delivery; retried by the queue with its backoff. */
  deliverWebhook: define({
    name: "deliver_webhook",
    payload: z.object({ deliveryId: z.uuid() }),
    key: (p) => `deliver_webhook:${p.deliveryId}`,
    maxAttempts: 8,
    lanes: ["provisioning"],
  }),
  /**
   * The recovery tick: release the job locks of workers whose heartbeat went stale and hand
   * their runs to recoverRun. It queues its own next run a few seconds ahead under one key, so
   * one tick is waiting at any time however many workers there are (server/worker/tasks/recovery.ts).
   */
  recoverRuns: define({ name: "recover_runs", payload: noPayload, key: () => "recover_runs", maxAttempts: 1, lanes: ["control"], quiet: true }),
  /** Expiry reminders and TTL destroys. */
  sweepExpiry: define({ name: "sweep_expiry", payload: noPayload, maxAttempts: 1, lanes: ["control"] }),
  /** Simulator resources carrying our tags with no record. */
  sweepOrphans: define({ name: "sweep_orphans", payload: noPayload, maxAttempts: 1, lanes: ["control"] }),
  /** Drift checks that are due (issue 13), in bounded batches. */
  queueDriftChecks: define({ name: "queue_drift_checks", payload: noPayload, key: () => "queue_drift_checks", maxAttempts: 1, lanes: ["control"] }),
  /** Old worker heartbeat rows. */
  pruneWorkerHeartbeats: define({ name: "prune_worker_heartbeats", payload: noPayload, maxAttempts: 1, lanes: ["control"] }),
  /** SLO fast-burn alerts in the portal (issue 16): notify admins when one starts, close it when it stops. */
  evaluateSloBurn: define({ name: "evaluate_slo_burn", payload: noPayload, maxAttempts: 1, lanes: ["control"] }),
  /** Advance one fleet rollout (issue 14): settle results, start the batch under way, judge a finished batch. Woken by its environments' changes (./fleet-wakeup.ts), never polling. */
  advanceFleetRollout: define({
    name: "advance_fleet_rollout",
    payload: z.object({ rolloutId: z.uuid() }),
    key: (p) => `fleet_rollout:${p.rolloutId}`,
    maxAttempts: 5,
    lanes: ["control"],
  }),
  /** The safety net (cron, every minute): every open fleet rollout with work left gets an advance. */
  sweepFleetRollouts: define({
    name: "sweep_fleet_rollouts",
    payload: noPayload,
    key: () => "sweep_fleet_rollouts",
    maxAttempts: 1,
    lanes: ["control"],
  }),
} as const;

export type Jobs = typeof jobs;
export type JobId = keyof Jobs;
export type JobPayload<J extends JobId> = z.infer<Jobs[J]["payload"]>;
export const jobNames = Object.values(jobs).map((j) => j.name);

/**
 * Queues a job in the caller's transaction (or on its own when given the pool). The payload is
 * checked against the job's schema here, so a malformed job is a bug at the call site, never a
 * task that fails later on the worker.
 */
export async function enqueue<J extends JobId>(
  tx: Executor,
  id: J,
  payload: JobPayload<J>,
  options: { key?: string; delayMs?: number } = {},
): Promise<void> {
  await tx.execute(sql`select ${enqueueCall(id, payload, options)}`);
}

/**
 * enqueue's call, not yet sent: for a statement that queues jobs with other writes (selected by
 * that statement: a call left in an unreferenced CTE would never run). Checked like enqueue.
 */
export function enqueueCall<J extends JobId>(id: J, payload: JobPayload<J>, options: { key?: string; delayMs?: number } = {}): SQL {
  const job = jobs[id] as JobDefinition<z.ZodType>;
  const parsed = job.payload.parse(payload) as Record<string, unknown>;
  const key = options.key ?? job.key?.(parsed) ?? null;
  const runAt = options.delayMs ? sql`now() + make_interval(secs => ${options.delayMs / 1000})` : sql`null`;
  return addJob(job, sql`${JSON.stringify(parsed)}::json`, key === null ? null : sql`${key}::text`, runAt);
}

/**
 * enqueueCall for each row of the CTE `from` (a `named` part of sendTogether), the payload's fields
 * taken from its columns (`fields`: payload field → column): for jobs about rows the same statement
 * inserts. The job key is the registry's, built in SQL: the key function is given a marker for each
 * field, and the markers become the row's columns. The payload is not checked against its schema
 * here (its values exist only in the database); the task checks it when it runs.
 */
export function enqueueEachCall<J extends JobId>(id: J, from: string, fields: Record<keyof JobPayload<J> & string, string>): SQL {
  const job = jobs[id] as JobDefinition<z.ZodType>;
  const column = (field: string) => sql`r.${sql.identifier(fields[field as keyof typeof fields])}`;
  const payload = sql`json_build_object(${sql.join(
    Object.keys(fields).map((field) => sql`${field}::text, ${column(field)}`),
    sql`, `,
  )})`;
  const marker = "\u0000";
  const template = job.key?.(Object.fromEntries(Object.keys(fields).map((field) => [field, `${marker}${field}${marker}`]))) ?? null;
  // Odd pieces are the fields' names.
  const key =
    template === null
      ? null
      : sql.join(
          template.split(marker).map((piece, i) => (i % 2 ? sql`${column(piece)}::text` : sql`${piece}::text`)),
          sql` || `,
        );
  return sql`(select count(${addJob(job, payload, key, sql`null`)}) from ${sql.identifier(from)} r)`;
}

function addJob(job: JobDefinition<z.ZodType>, payload: SQL, key: SQL | null, runAt: SQL): SQL {
  return sql`graphile_worker.add_job(${job.name}, ${payload}, queue_name => ${job.queue ?? null}, run_at => ${runAt}, max_attempts => ${job.maxAttempts}, job_key => ${key ?? sql`null`}, priority => ${job.priority ?? null}::int, job_key_mode => ${key ? (job.keyMode ?? "replace") : null})`;
}

/** The task names one runner fetches. */
export const jobNamesOf = (lane: Lane): string[] =>
  Object.values(jobs as Record<string, JobDefinition<z.ZodType>>)
    .filter((j) => j.lanes.includes(lane))
    .map((j) => j.name);
