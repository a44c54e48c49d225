/** The TTL sweep (cron, every minute): expiry reminders, then destroy runs for expired environments. */
import type { Database } from "~/db/client";
import { sweepExpiry } from "~/server/services/expiry";
import { defineTask } from "./define";

export function sweepExpiryTask(db: Database) {
  return defineTask("sweepExpiry", async (_payload, helpers) => {
    const report = await sweepExpiry(db);
    for (const r of report.reminders) helpers.logger.info(`environment ${r.environmentId}: ${r.kind} expiry reminder sent`);
    for (const e of report.expired) helpers.logger.info(`environment ${e.environmentId}: expired, destroy run ${e.runId} queued`);
  });
}
