/**
 * A finished update or rollback of an environment in a fleet rollout wakes the rollout at once
 * (issue 14): the advance job is queued in the run's finishing transaction, so the next batch
 * starts as soon as the last run of this one is recorded; the job's own short poll and the minute
 * sweep remain the fallback.
 */
import { and, eq, inArray } from "drizzle-orm";
import type { Executor } from "~/db/client";
import { fleetRolloutTargets } from "~/db/schema";
import { enqueue } from "~/server/jobs/registry";

export async function wakeFleetRollout(tx: Executor, environmentId: string): Promise<void> {
  const rows = await tx
    .selectDistinct({ rolloutId: fleetRolloutTargets.rolloutId })
    .from(fleetRolloutTargets)
    .where(and(eq(fleetRolloutTargets.environmentId, environmentId), inArray(fleetRolloutTargets.status, ["awaiting_approval", "running"])));
  for (const { rolloutId } of rows) await enqueue(tx, "advanceFleetRollout", { rolloutId });
}
