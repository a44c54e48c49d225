/**
 * Fleet rollouts (issue 14): advance one (services/fleet-rollout-progress.ts) when woken. It is
 * woken by whatever moves one of its environments (server/jobs/fleet-wakeup.ts: a finished update
 * or rollback run, an approval, a rejection, a cancel) and by start and resume; it never polls.
 * The minute sweep gives every open rollout an advance, the backstop for a lost wake-up.
 */
import { sql } from "drizzle-orm";
import type { Database } from "~/db/client";
import { enqueue } from "~/server/jobs/registry";
import { advanceRollout } from "~/server/services/fleet-rollout-progress";
import { defineTask } from "./define";

export function advanceFleetRolloutTask(db: Database) {
  return defineTask("advanceFleetRollout", async ({ rolloutId }, helpers) => {
    const result = await advanceRollout(db, rolloutId);
    helpers.logger.debug(`fleet rollout ${rolloutId}: ${result.status}${result.again ? " (waiting on runs or approvals)" : ""}`);
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
