import { desc, isNull, sql } from "drizzle-orm";
import type { Database } from "~/db/client";
import { workerHeartbeats } from "~/db/schema";

/** A worker counts as up when its newest heartbeat is younger than this. */
export const WORKER_HEARTBEAT_MAX_AGE_MS = 30_000;

export type Health = {
  status: "ok" | "degraded";
  database: { ok: boolean; error?: string };
  worker: { ok: boolean; lastHeartbeatAgeMs: number | null; workers: number };
};

export async function checkHealth(db: Database): Promise<Health> {
  try {
    // Age computed by the database clock, so web and worker clocks cannot disagree.
    const rows = await db
      .select({
        ageMs: sql<number>`(extract(epoch from (now() - ${workerHeartbeats.lastSeenAt})) * 1000)::float8`,
      })
      .from(workerHeartbeats)
      .where(isNull(workerHeartbeats.stoppedAt))
      .orderBy(desc(workerHeartbeats.lastSeenAt));
    const fresh = rows.filter((r) => r.ageMs < WORKER_HEARTBEAT_MAX_AGE_MS);
    const newest = rows[0]?.ageMs ?? null;
    const workerOk = fresh.length > 0;
    return {
      status: workerOk ? "ok" : "degraded",
      database: { ok: true },
      worker: { ok: workerOk, lastHeartbeatAgeMs: newest === null ? null : Math.round(newest), workers: fresh.length },
    };
  } catch (error) {
    return {
      status: "degraded",
      database: { ok: false, error: error instanceof Error ? error.message : "unreachable" },
      worker: { ok: false, lastHeartbeatAgeMs: null, workers: 0 },
    };
  }
}
