import { eq, sql } from "drizzle-orm";
import os from "node:os";
import type { Database } from "~/db/client";
import { workerHeartbeats } from "~/db/schema";

export const HEARTBEAT_INTERVAL_MS = 5_000;

/** Writes this worker's heartbeat now and every few seconds; /api/health reads it. */
export async function startHeartbeat(db: Database, workerId: string, concurrency: number) {
  const beat = () =>
    db
      .insert(workerHeartbeats)
      .values({
        workerId,
        hostname: os.hostname(),
        pid: process.pid,
        concurrency,
        startedAt: new Date(),
        lastSeenAt: sql`now()` as unknown as Date,
      })
      .onConflictDoUpdate({ target: workerHeartbeats.workerId, set: { lastSeenAt: sql`now()`, stoppedAt: null } });
  await beat();
  const timer = setInterval(() => {
    beat().catch(() => {
      // The database is briefly unreachable; the next beat retries, and health reports it meanwhile.
    });
  }, HEARTBEAT_INTERVAL_MS);
  timer.unref();
  return async function stopHeartbeat() {
    clearInterval(timer);
    await db.update(workerHeartbeats).set({ stoppedAt: sql`now()` }).where(eq(workerHeartbeats.workerId, workerId));
  };
}
