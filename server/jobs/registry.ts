/**
 * Every job the worker runs, defined once: its graphile-worker task name, the schema of its
 * payload, its job key (so a second enqueue of the same work is a no-op) and its attempts.
 * Services and the runner enqueue through `enqueue`, inside the transaction that makes the
 * change, so a job exists exactly when its change commits; the worker builds its task list
 * from the same table (server/worker/tasks), so a name can never drift between the two sides.
 */
import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "~/db/client";

type JobDefinition<P extends z.ZodType> = {
  /** The graphile-worker task name. */
  name: string;
  payload: P;
  /** One waiting job per key: enqueueing the same work again changes nothing (or moves it to now). */
  key?: (payload: z.infer<P>) => string;
  /** `preserve_run_at` keeps a scheduled job's time when it is enqueued again. */
  keyMode?: "replace" | "preserve_run_at";
  maxAttempts: number;
  /** graphile-worker queue: jobs of one queue run one at a time, in order. */
  queue?: string;
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
  }),
  /** Execute (or resume) one run of any kind. */
  resumeRun: define({ name: "resume_run", payload: z.object({ runId: z.uuid() }), key: (p) => `resume:${p.runId}`, maxAttempts: 3 }),
  /** One attempt at one webhook delivery; retried by the queue with its backoff. */
  deliverWebhook: define({
    name: "deliver_webhook",
    payload: z.object({ deliveryId: z.uuid() }),
    key: (p) => `deliver_webhook:${p.deliveryId}`,
    maxAttempts: 8,
  }),
  /** Hand runs whose worker stopped heartbeating to a live worker. */
  recoverRuns: define({ name: "recover_runs", payload: noPayload, maxAttempts: 1 }),
  /** Expiry reminders and TTL destroys. */
  sweepExpiry: define({ name: "sweep_expiry", payload: noPayload, maxAttempts: 1 }),
  /** Simulator resources carrying our tags with no record. */
  sweepOrphans: define({ name: "sweep_orphans", payload: noPayload, maxAttempts: 1 }),
  /** Old worker heartbeat rows. */
  pruneWorkerHeartbeats: define({ name: "prune_worker_heartbeats", payload: noPayload, maxAttempts: 1 }),
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
export async function enqueue<J extends JobId>(tx: Executor, id: J, payload: JobPayload<J>, options: { key?: string } = {}): Promise<void> {
  const job = jobs[id] as JobDefinition<z.ZodType>;
  const parsed = job.payload.parse(payload) as Record<string, unknown>;
  const key = options.key ?? job.key?.(parsed) ?? null;
  await tx.execute(
    sql`select graphile_worker.add_job(${job.name}, ${JSON.stringify(parsed)}::json, queue_name => ${job.queue ?? null}, max_attempts => ${job.maxAttempts}, job_key => ${key}, job_key_mode => ${key ? (job.keyMode ?? "replace") : null})`,
  );
}
