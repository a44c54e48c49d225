/** The drift schedule (cron, every minute): queues the drift checks that are due, a bounded batch at a time. */
import type { Database } from "~/db/client";
import { queueDueDriftChecks } from "~/server/services/drift";
import { applyConfiguredDrift } from "~/server/services/drift-chaos";
import { defineTask } from "./define";

export function queueDriftChecksTask(db: Database) {
  return defineTask("queueDriftChecks", async (_payload, helpers) => {
    const { queued, scheduled } = await queueDueDriftChecks(db);
    // The demo's steady chaos (PROVISIO_SIM_FAULTS faults.drift), before the checks read.
    const chaos = await applyConfiguredDrift(queued.map((q) => q.environmentId)).catch((error: unknown) => {
      helpers.logger.warn(`configured sim drift failed: ${(error as Error).message}`);
      return [];
    });
    if (queued.length || scheduled) helpers.logger.info(`drift checks: ${queued.length} queued, ${scheduled} scheduled for the first time`);
    for (const c of chaos) helpers.logger.info(`sim chaos: ${c.type} ${c.resourceId} ${c.detail}`);
  });
}
