/**
 * Waking a fleet rollout (issue 14): whatever settles or moves one of its environments' update
 * requests (the update or rollback run finishing, an approval, a rejection, a cancel) queues the
 * rollout's advance job in its own transaction, so the rollout moves on as soon as that change
 * commits. The advance job does not poll; the minute sweep (sweepFleetRollouts) is the backstop
 * for a wake-up that was lost. Here (jobs layer) so the runner and the services can both call it.
 */
import { and, eq, inArray } from "drizzle-orm";
import type { Executor } from "~/db/client";
import { fleetRolloutTargets } from "~/db/schema";
import { enqueue } from "./registry";

/** Queues an advance of every rollout waiting on this environment's update (at most one: one open change per environment). */
export async function wakeFleetRollout(tx: Executor, environmentId: string): Promise<void> {
  const rows = await tx
    .selectDistinct({ rolloutId: fleetRolloutTargets.rolloutId })
    .from(fleetRolloutTargets)
    .where(and(eq(fleetRolloutTargets.environmentId, environmentId), inArray(fleetRolloutTargets.status, ["awaiting_approval", "running"])));
  for (const { rolloutId } of rows) await enqueue(tx, "advanceFleetRollout", { rolloutId });
}
