/**
 * Worker processes' heartbeats (worker_heartbeats): each process says it is alive every
 * PROVISIO_RUN_HEARTBEAT_MS, with the ids graphile-worker locks its jobs with. /api/health and
 * /api/metrics read them; the recovery tick uses them to release the job locks of a process
 * that died, so its jobs run again at once instead of after graphile-worker's 4-hour lock
 * expiry (and stop counting as running).
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import os from "node:os";
import type { Database } from "~/db/client";
import { workerHeartbeats } from "~/db/schema";
import { HEARTBEAT_MS, STALE_RUN_MS } from "~/server/runs/store";

export type HeartbeatOptions = {
  /** graphile-worker's ids of this process's runner pools (the `locked_by` of the jobs they hold). */
  graphileWorkerIds?: readonly string[];
  /** Default PROVISIO_RUN_HEARTBEAT_MS, so a live worker never looks stale by PROVISIO_RUN_STALE_MS. */
  intervalMs?: number;
  /** Called with each failed beat's error (the next beat retries; health reports the age meanwhile). */
  onError?: (error: unknown) => void;
};

/** Writes this worker's heartbeat now and then every interval; returns the function that marks it stopped. */
export async function startHeartbeat(db: Database, workerId: string, concurrency: number, options: HeartbeatOptions = {}) {
  const graphileWorkerIds = [...(options.graphileWorkerIds ?? [])];
  const beat = () =>
    db
      .insert(workerHeartbeats)
      .values({
        workerId,
        hostname: os.hostname(),
        pid: process.pid,
        concurrency,
        graphileWorkerIds,
        startedAt: new Date(),
        lastSeenAt: sql`now()` as unknown as Date,
      })
      // Back after a stall long enough to be called dead: alive again, its locks its own again.
      .onConflictDoUpdate({
        target: workerHeartbeats.workerId,
        set: { lastSeenAt: sql`now()`, stoppedAt: null, locksReleasedAt: null, graphileWorkerIds },
      });
  await beat();
  const timer = setInterval(() => {
    beat().catch((error: unknown) => options.onError?.(error));
  }, options.intervalMs ?? HEARTBEAT_MS);
  timer.unref();
  return async function stopHeartbeat() {
    clearInterval(timer);
    await db
      .update(workerHeartbeats)
      .set({ stoppedAt: sql`now()` })
      .where(eq(workerHeartbeats.workerId, workerId));
  };
}

export type DeadWorker = { workerId: string; graphileWorkerIds: string[]; lastSeenAt: Date; jobsReleased: number };

/**
 * Workers that stopped heartbeating without stopping cleanly (killed, crashed, cut off) for
 * longer than `staleMs`: their graphile-worker job locks are released
 * (graphile_worker.force_unlock_workers), so another worker runs those jobs now, and each is
 * marked so it is released once. One transaction: the mark and the release commit together.
 */
export async function releaseDeadWorkers(db: Database, staleMs: number = STALE_RUN_MS): Promise<DeadWorker[]> {
  return db.transaction(async (tx) => {
    const dead = await tx
      .update(workerHeartbeats)
      .set({ locksReleasedAt: sql`now()` })
      .where(
        and(
          isNull(workerHeartbeats.stoppedAt),
          isNull(workerHeartbeats.locksReleasedAt),
          sql`${workerHeartbeats.lastSeenAt} < now() - make_interval(secs => ${staleMs / 1000})`,
        ),
      )
      .returning({
        workerId: workerHeartbeats.workerId,
        graphileWorkerIds: workerHeartbeats.graphileWorkerIds,
        lastSeenAt: workerHeartbeats.lastSeenAt,
      });
    const ids = dead.flatMap((w) => w.graphileWorkerIds);
    if (ids.length === 0) return dead.map((w) => ({ ...w, jobsReleased: 0 }));
    const locked = await tx.execute<{ locked_by: string; n: number }>(
      sql`select locked_by, count(*)::int as n from graphile_worker._private_jobs where locked_by = any(${sql.param(ids)}::text[]) group by locked_by`,
    );
    await tx.execute(sql`select graphile_worker.force_unlock_workers(${sql.param(ids)}::text[])`);
    const releasedBy = new Map(locked.rows.map((r) => [r.locked_by, r.n]));
    return dead.map((w) => ({ ...w, jobsReleased: w.graphileWorkerIds.reduce((sum, id) => sum + (releasedBy.get(id) ?? 0), 0) }));
  });
}
