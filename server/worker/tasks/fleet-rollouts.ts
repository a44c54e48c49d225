/**
 * Fleet rollouts (issue 14): advance one (services/fleet-rollout-progress.ts) and look again
 * shortly while its environments are still awaiting approval or running; the minute sweep gives
 * every open rollout an advance in case a chain of those was lost.
 */
import { sql } from "drizzle-orm";
import type { Database } from "~/db/client";
import { enqueue } from "~/server/jobs/registry";
import { advanceRollout } from "~/server/services/fleet-rollout-progress";
import { defineTask } from "./define";

/** How soon a rollout with runs out is looked at again: short against a run's length, cheap (one locked row). */
export const ROLLOUT_POLL_MS = 1_000;

export function advanceFleetRolloutTask(db: Database) {
  return defineTask("advanceFleetRollout", async ({ rolloutId }, helpers) => {
    const result = await advanceRollout(db, rolloutId);
    helpers.logger.debug(`fleet rollout ${rolloutId}: ${result.status}`);
    if (result.again) await enqueue(db, "advanceFleetRollout", { rolloutId }, { delayMs: ROLLOUT_POLL_MS });
  });
}

export function sweepFleetRolloutsTask(db: Database) {
  return defineTask("sweepFleetRollouts", async () => {
    const open = await db.execute<{ id: string }>(
      sql`select r.id from fleet_rollouts r where r.status = 'running' or exists (select 1 from fleet_rollout_targets t where t.rollout_id = r.id and t.status in ('awaiting_approval', 'running'))`,
    );
    for (const row of open.rows) await enqueue(db, "advanceFleetRollout", { rolloutId: row.id });
  });
}
