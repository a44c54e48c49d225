/** SLO fast-burn alerts (cron, every minute): admins hear once when a fast burn starts (services/slo/burn-alerts.ts). */
import type { Database } from "~/db/client";
import { evaluateBurnAlerts } from "~/server/services/slo/burn-alerts";
import { defineTask } from "./define";

export function evaluateSloBurnTask(db: Database) {
  return defineTask("evaluateSloBurn", async (_payload, helpers) => {
    const report = await evaluateBurnAlerts(db);
    for (const key of report.started) helpers.logger.warn(`SLO ${key}: fast burn started, admins notified`);
    for (const key of report.stopped) helpers.logger.info(`SLO ${key}: fast burn stopped`);
  });
}
