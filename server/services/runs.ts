/**
 * A run as its log viewer reads it: status and timings, and its log lines after a cursor, a
 * page at a time (the same lines the server-sent event stream pushes). Access is checked by
 * the caller (runProcedure), which hands over the run it loaded.
 */
import { and, asc, eq, gt } from "drizzle-orm";
import type { Database } from "~/db/client";
import { runEvents, type Run } from "~/db/schema";

export const runLogPageSize = 500;

export async function runLog(db: Database, run: Run, after: number) {
  const events = await db
    .select({ id: runEvents.id, at: runEvents.at, level: runEvents.level, message: runEvents.message, address: runEvents.address })
    .from(runEvents)
    .where(and(eq(runEvents.runId, run.id), gt(runEvents.id, after)))
    .orderBy(asc(runEvents.id))
    .limit(runLogPageSize);
  return {
    run: {
      id: run.id,
      environmentId: run.environmentId,
      kind: run.kind,
      status: run.status,
      attempts: run.attempts,
      error: run.error,
      queuedAt: run.queuedAt,
      startedAt: run.startedAt,
      finishedAt: run.finishedAt,
    },
    events,
    /** Pass as `after` for the next page; more lines may follow while the run is active. */
    nextAfter: events.at(-1)?.id ?? after,
  };
}
