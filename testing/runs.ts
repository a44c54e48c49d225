/**
 * Tests of run chains (approval → run → the run it queues): the one queued run of a kind on an
 * environment, executed as the worker would. Fails the test when there is none or it does not succeed.
 */
import { and, eq, sql } from "drizzle-orm";
import type { Database } from "~/db/client";
import { environmentResources, runs, simResources } from "~/db/schema";
import type { RunKind } from "~/db/vocabulary";
import { executeRun } from "~/server/runner/execute";
import type { RunnerOptions } from "~/server/runner/types";

export async function runQueued(db: Database, environmentId: string, kind: RunKind, options: RunnerOptions): Promise<string> {
  const [run] = await db
    .select({ id: runs.id })
    .from(runs)
    .where(and(eq(runs.environmentId, environmentId), eq(runs.kind, kind), eq(runs.status, "queued")));
  if (!run) throw new Error(`no queued ${kind} run on environment ${environmentId}`);
  const outcome = await executeRun(db, run.id, options);
  if (outcome !== "succeeded") throw new Error(`the ${kind} run ${run.id} ended ${outcome}`);
  return run.id;
}

/**
 * What the portal tracks of an environment (its ready resource rows) and what the simulator holds
 * for it (its live top-level resources), for tests that compare the two after a fault.
 */
export async function liveInventory(db: Database, environmentId: string) {
  const rows = await db
    .select()
    .from(environmentResources)
    .where(and(eq(environmentResources.environmentId, environmentId), eq(environmentResources.status, "ready")));
  const cloud = await db
    .select()
    .from(simResources)
    .where(
      and(
        sql`${simResources.tags}->>'environment-id' = ${environmentId}`,
        sql`${simResources.deletedAt} is null`,
        sql`${simResources.parentId} is null`,
      ),
    );
  return { rows, cloud, byAddress: new Map(rows.map((r) => [r.address, r])) };
}
