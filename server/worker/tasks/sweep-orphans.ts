/**
 * The orphan sweep (cron, every 15 minutes): resources in the simulator that carry Provisio's
 * tags but no portal record. Report mode (the default) logs each one; remove mode
 * (PROVISIO_ORPHAN_SWEEP=remove) deletes them and audits each removal. A removal the cloud
 * refuses is logged and tried again by the next sweep, so the job itself does not fail.
 */
import type { Database } from "~/db/client";
import type { SimCloud } from "~/server/engines/sim/cloud";
import { createSimEngine } from "~/server/engines/sim/engine";
import { sweepOrphans } from "~/server/runner/orphans";
import { defineTask } from "./define";

export type OrphanSweepOptions = {
  mode: "report" | "remove";
  /** Resources younger than this are left for a later sweep; default 10 minutes. */
  graceMs?: number;
  /** The simulator's API; default the one this install's sim engine uses, on the worker's database. */
  cloud?: SimCloud;
};

export function sweepOrphansTask(db: Database, options: OrphanSweepOptions) {
  let cloud = options.cloud;
  return defineTask("sweepOrphans", async (_payload, helpers) => {
    cloud ??= createSimEngine({ db }).cloud;
    const report = await sweepOrphans(db, cloud, { remove: options.mode === "remove", graceMs: options.graceMs });
    const found = `orphan sweep (${report.mode}): ${report.orphans.length} orphaned of ${report.scanned} tagged resources (${report.tooYoung} too young to judge)`;
    if (report.mode === "report") {
      helpers.logger.info(report.orphans.length ? `${found}; set PROVISIO_ORPHAN_SWEEP=remove to delete them` : found);
      return;
    }
    const outcome = `${found}; removed ${report.removed.length}${report.failed.length ? `, ${report.failed.length} could not be removed (next sweep tries again)` : ""}`;
    if (report.failed.length) helpers.logger.error(outcome);
    else helpers.logger.info(outcome);
  });
}
