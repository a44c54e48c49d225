/**
 * The run store: the one module that writes a run's state (the `runs` table). Everything else
 * (services creating runs, the runner executing them, the recovery sweep) goes through it.
 *
 * - `createRun` refuses a second active run of an environment (the partial unique index
 *   `runs_one_active_per_environment_idx` is the guard) and queues its `resumeRun` job in the
 *   same transaction, so a run exists exactly when its job does.
 * - `claimRun` is a compare-and-set: a queued run, or a running one whose holder stopped
 *   heartbeating, becomes this worker's; two workers never both win. A claim is the worker's id
 *   plus the run's attempt number (a fencing token): even the same worker re-claiming its own
 *   stale run fences off its earlier execution.
 * - `holdClaim` heartbeats while the worker works. A heartbeat that finds the run held by
 *   another worker (or no longer running) reports the loss and aborts the run's signal, so the
 *   worker stops; a failing heartbeat is logged and counted, and once it has failed for longer
 *   than a claim lasts the run stops too (another worker may have taken it by then).
 * - `completeRun`, `failRun` and `handBackRun` only succeed for the holder
 *   (`WHERE worker_id = me AND attempts = my attempt AND status = 'running'`); otherwise they
 *   throw ClaimLostError, which
 *   rolls back the caller's transaction: a worker that lost its claim records nothing.
 * - `requeueStaleRuns` (the recovery tick) and `handBackRun` queue a `recoverRun` job: a run
 *   already under way resumes on capacity the provisioning backlog cannot take.
 *
 * Every status written here is checked against the transition table (server/core/lifecycle.ts).
 */
import { and, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { Database, Executor } from "~/db/client";
import type { PgUpdateSetSource } from "drizzle-orm/pg-core";
import { runs, type Run } from "~/db/schema";
import type { FailureCause, RunKind, RunStatus } from "~/db/vocabulary";
import { assertTransition, statusesLeadingTo } from "~/server/core/lifecycle";
import { enqueue } from "~/server/jobs/registry";
import { envVar } from "~/server/env";
import { logger } from "~/server/logger";

/** A running run whose heartbeat is older than this lost its worker (tests shorten it with PROVISIO_RUN_STALE_MS). */
export const STALE_RUN_MS = envVar("PROVISIO_RUN_STALE_MS");
/** How often a holder says it is still working (PROVISIO_RUN_HEARTBEAT_MS). */
export const HEARTBEAT_MS = envVar("PROVISIO_RUN_HEARTBEAT_MS");

/** Who holds a run: the worker, and the attempt its claim started (the fencing token). */
export type Claim = { runId: string; workerId: string; attempt: number };

export const claimOf = (run: Run): Claim => {
  if (run.status !== "running" || !run.workerId) throw new Error(`run ${run.id} is ${run.status}, not claimed`);
  return { runId: run.id, workerId: run.workerId, attempt: run.attempts };
};

/** This worker no longer holds the run: another worker (or a later claim) took it over, or it is no longer running. */
export class ClaimLostError extends Error {
  constructor(
    readonly claim: Claim,
    detail: string,
  ) {
    super(`Run ${claim.runId} is no longer held by ${claim.workerId} (attempt ${claim.attempt}): ${detail}`);
    this.name = "ClaimLostError";
  }
}

const staleBefore = (staleMs: number): SQL => sql`now() - make_interval(secs => ${staleMs / 1000})`;

const holds = (claim: Claim) =>
  and(eq(runs.id, claim.runId), eq(runs.workerId, claim.workerId), eq(runs.attempts, claim.attempt), eq(runs.status, "running"));

/** The condition "this claim still holds the run", for statements that must not write for a worker that lost it. */
export function heldBy(claim: Claim): SQL {
  return sql`exists (select 1 from ${runs} where ${holds(claim)})`;
}

/**
 * Creates a run of `kind` for an environment, or returns null when the environment already has
 * an active (queued or running) run. Queued runs get their `resumeRun` job in the same
 * transaction (a savepoint inside the caller's). `claimedBy` creates it already running for that
 * worker, which executes it at once (no job: if that worker dies, recovery resumes the run).
 */
export async function createRun(db: Executor, input: { environmentId: string; kind: RunKind; claimedBy?: string }): Promise<Run | null> {
  if (input.claimedBy) {
    assertTransition("run", "queued", "running");
    const [run] = await db
      .insert(runs)
      .values({
        environmentId: input.environmentId,
        kind: input.kind,
        status: "running",
        workerId: input.claimedBy,
        attempts: 1,
        heartbeatAt: sql`now()`,
        startedAt: sql`now()`,
      })
      .onConflictDoNothing()
      .returning();
    return run ?? null;
  }
  return db.transaction(async (tx) => {
    const [run] = await tx
      .insert(runs)
      .values({ environmentId: input.environmentId, kind: input.kind, status: "queued" })
      .onConflictDoNothing()
      .returning();
    if (!run) return null;
    await enqueue(tx, "resumeRun", { runId: run.id });
    return run;
  });
}

/**
 * createRun's claimed form as SQL, for a statement that creates the environment too (one round
 * trip): inserts one running run per environment id `environmentIds` (a subquery of the caller's
 * statement) yields, held by `claimedBy`; refuses a second active run like createRun. Read the
 * rows it returns with runFromRow.
 */
export function insertClaimedRunSql(environmentIds: SQL, kind: RunKind, claimedBy: string): SQL {
  assertTransition("run", "queued", "running");
  return sql`insert into ${runs} (environment_id, kind, status, worker_id, attempts, heartbeat_at, started_at)
    select e.id, ${kind}::run_kind, 'running'::run_status, ${claimedBy}, 1, now(), now() from (${environmentIds}) as e(id)
    on conflict do nothing returning *`;
}

/** A runs row as raw SQL returns it. */
export function runFromRow(row: Record<string, unknown>): Run {
  const date = (value: unknown) => (value === null || value === undefined ? null : new Date(value as string | Date));
  return {
    id: row.id as string,
    environmentId: row.environment_id as string,
    kind: row.kind as RunKind,
    status: row.status as RunStatus,
    attempts: Number(row.attempts),
    workerId: (row.worker_id as string | null) ?? null,
    heartbeatAt: date(row.heartbeat_at),
    error: (row.error as string | null) ?? null,
    failureCause: (row.failure_cause as FailureCause | null) ?? null,
    retries: Number(row.retries ?? 0),
    rateLimitResponses: Number(row.rate_limit_responses ?? 0),
    queuedAt: date(row.queued_at)!,
    startedAt: date(row.started_at),
    finishedAt: date(row.finished_at),
  };
}

/** Claims a queued run, or a running one whose holder stopped heartbeating; null when another worker holds it or it is over. */
export async function claimRun(db: Executor, runId: string, workerId: string, options: { staleMs?: number } = {}): Promise<Run | null> {
  const staleMs = options.staleMs ?? STALE_RUN_MS;
  const from = statusesLeadingTo("run", "running");
  const [claimed] = await db
    .update(runs)
    .set({
      status: "running",
      workerId,
      heartbeatAt: sql`now()`,
      attempts: sql`${runs.attempts} + 1`,
      startedAt: sql`coalesce(${runs.startedAt}, now())`,
    })
    .where(
      and(
        eq(runs.id, runId),
        inArray(runs.status, from),
        // Compare-and-set: queued, or running under a holder whose heartbeat is stale. The attempt
        // number goes up, so the old holder's writes (fenced by its attempt) are refused from now on.
        sql`(${runs.status} = 'queued' or ${runs.heartbeatAt} < ${staleBefore(staleMs)})`,
      ),
    )
    .returning();
  return claimed ?? null;
}

/** Heartbeat failures and lost claims seen by this process (tests and the worker's log read them). */
export const heartbeatCounters = { failures: 0, lost: 0 };

export type ClaimHold = {
  /** Aborted when the claim is lost (its reason a ClaimLostError). */
  readonly signal: AbortSignal;
  /** The loss, once reported. */
  readonly lost: ClaimLostError | null;
  /** Heartbeats of this hold that failed. */
  readonly failures: number;
  /** One heartbeat now (the timer calls it too). */
  beat(): Promise<void>;
  stop(): void;
};

/**
 * Heartbeats `runId` for `workerId` every `intervalMs` until stopped. Never silent: a heartbeat
 * that fails is logged and counted; one that finds the claim gone, or failures lasting longer
 * than `staleMs` (the claim may have been taken meanwhile), aborts `signal` and reports why.
 */
export function holdClaim(
  db: Database,
  claim: Claim,
  options: { intervalMs?: number; staleMs?: number; onLost?: (error: ClaimLostError) => void } = {},
): ClaimHold {
  const { runId, workerId } = claim;
  const intervalMs = options.intervalMs ?? HEARTBEAT_MS;
  const staleMs = options.staleMs ?? STALE_RUN_MS;
  const controller = new AbortController();
  let lost: ClaimLostError | null = null;
  let failures = 0;
  let failingSince: number | null = null;
  let inFlight: Promise<void> | null = null;
  let stopped = false;

  const lose = (error: ClaimLostError) => {
    if (lost) return;
    lost = error;
    heartbeatCounters.lost++;
    logger.warn({ runId, workerId }, `${error.message}; stopping the run`);
    controller.abort(error);
    options.onLost?.(error);
  };

  const once = async () => {
    try {
      const held = await db
        .update(runs)
        .set({ heartbeatAt: sql`now()` })
        .where(holds(claim))
        .returning({ id: runs.id });
      failingSince = null;
      if (held.length === 0 && !stopped)
        lose(new ClaimLostError(claim, "its heartbeat found another worker holding it, or the run no longer running"));
    } catch (error) {
      failures++;
      heartbeatCounters.failures++;
      failingSince ??= Date.now();
      const failingFor = Date.now() - failingSince;
      // The driver's own words (drizzle's message repeats the whole statement).
      const reason = ((error as Error).cause as Error | undefined)?.message ?? (error as Error).message;
      logger.warn(
        { runId, workerId, err: error, failures, failingForMs: failingFor },
        `run ${runId}: heartbeat failed (${failures} so far): ${reason}`,
      );
      if (failingFor >= staleMs && !stopped)
        lose(new ClaimLostError(claim, `its heartbeat has failed for ${failingFor} ms, longer than a claim lasts (${staleMs} ms)`));
    }
  };
  const beat = () => {
    // One heartbeat at a time: a slow database does not pile them up.
    inFlight ??= once().finally(() => {
      inFlight = null;
    });
    return inFlight;
  };
  const timer = setInterval(() => void beat(), intervalMs);
  timer.unref();
  return {
    signal: controller.signal,
    get lost() {
      return lost;
    },
    get failures() {
      return failures;
    },
    beat,
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}

/**
 * Moves a run this worker holds from running to `to`; throws ClaimLostError when it does not hold
 * it. `also`: a write sent in the same statement (as a CTE: the run's log lines), no round trip
 * of its own; it commits or rolls back with the caller's transaction.
 */
async function transitionHeld(db: Executor, claim: Claim, to: RunStatus, set: PgUpdateSetSource<typeof runs>, also?: SQL): Promise<void> {
  const update = heldTransition(db, claim, to, set);
  const moved = also
    ? Number((await db.execute(sql`with moved as (${update.getSQL()}), also as (${also}) select count(*)::int as n from moved`)).rows[0]?.n)
    : (await update).length;
  if (moved === 0) throw new ClaimLostError(claim, `it could not be marked ${to}`);
}

/** The holder's move of the run to `to`, not yet sent: it changes no row unless `claim` still holds the run. */
function heldTransition(db: Executor, claim: Claim, to: RunStatus, set: PgUpdateSetSource<typeof runs>) {
  assertTransition("run", "running", to);
  return db
    .update(runs)
    .set({ ...set, status: to })
    .where(holds(claim))
    .returning({ id: runs.id });
}

/**
 * completeRun or failRun as a write for a statement of several (db/together.ts, as a `required`
 * write): it changes no row, and so refuses the whole statement, unless `claim` still holds the run.
 */
export function outcomeWrite(
  db: Executor,
  claim: Claim,
  outcome: { status: "succeeded" } | { status: "failed"; error: string; failureCause: FailureCause },
) {
  return outcome.status === "succeeded"
    ? heldTransition(db, claim, "succeeded", succeeded())
    : heldTransition(db, claim, "failed", failed(outcome.error, outcome.failureCause));
}

const succeeded = () => ({ finishedAt: sql`now()`, error: null });
const failed = (error: string, failureCause: FailureCause) => ({ finishedAt: sql`now()`, error, failureCause });

/**
 * The run succeeded. Call it first in the transaction that records the outcome: it throws
 * (rolling all back) unless this worker holds the run. `also`: see transitionHeld.
 */
export async function completeRun(tx: Executor, claim: Claim, also?: SQL): Promise<void> {
  await transitionHeld(tx, claim, "succeeded", succeeded(), also);
}

/** The run failed with `error` (and why, for the SLIs); only for its holder, like completeRun. */
export async function failRun(tx: Executor, claim: Claim, error: string, failureCause: FailureCause = "unknown", also?: SQL): Promise<void> {
  await transitionHeld(tx, claim, "failed", failed(error, failureCause), also);
}

/** Counts a retried transient error (and whether it was a rate-limit answer) on the run; a no-op for a worker that lost the claim. */
export async function countRetry(db: Executor, claim: Claim, rateLimited: boolean): Promise<void> {
  await db
    .update(runs)
    .set({ retries: sql`${runs.retries} + 1`, rateLimitResponses: sql`${runs.rateLimitResponses} + ${rateLimited ? 1 : 0}` })
    .where(holds(claim));
}

/**
 * A stopping worker gives its run back: queued again with a recoverRun job (work under way goes
 * ahead of the provisioning backlog), resumed by the next worker. Only for its holder.
 */
export async function handBackRun(db: Executor, claim: Claim): Promise<void> {
  await db.transaction(async (tx) => {
    await transitionHeld(tx, claim, "queued", { workerId: null });
    await enqueue(tx, "recoverRun", { runId: claim.runId });
  });
}

/** Throws ClaimLostError unless this worker still holds the run (checked before work that must not happen twice, such as a cleanup). */
export async function assertHeld(db: Executor, claim: Claim): Promise<void> {
  const rows = await db.execute(sql`select ${heldBy(claim)} as held`);
  if (!(rows.rows[0] as { held: boolean } | undefined)?.held)
    throw new ClaimLostError(claim, "another worker holds it now, or it is no longer running");
}

/** Running runs whose holder stopped heartbeating. */
export async function staleRuns(db: Executor, staleMs: number = STALE_RUN_MS): Promise<string[]> {
  const rows = await db
    .select({ id: runs.id })
    .from(runs)
    .where(and(eq(runs.status, "running"), sql`${runs.heartbeatAt} < ${staleBefore(staleMs)}`));
  return rows.map((r) => r.id);
}

/**
 * Recovery: queues a `recoverRun` job (the recovery lane: capacity the provisioning backlog
 * cannot take) for every run whose holder stopped heartbeating; returns their ids. Queuing a run
 * again while its job waits keeps the job's place in line (the job key, preserve_run_at).
 */
export async function requeueStaleRuns(db: Database, staleMs: number = STALE_RUN_MS): Promise<string[]> {
  const ids = await staleRuns(db, staleMs);
  for (const runId of ids) await enqueue(db, "recoverRun", { runId });
  return ids;
}
