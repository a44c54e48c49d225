/** Admins set an SLO's objective, threshold and window; audited like every admin change. */
import { z } from "zod";
import type { Database } from "~/db/client";
import { sloTargets } from "~/db/schema";
import { recordAudit } from "~/server/core/audit";
import { ServiceError } from "~/server/core/errors";
import { actorOf, type Viewer } from "../users";
import { listTargets, sloKeys } from "./targets";

export const setTargetInput = z.object({
  key: z.enum(sloKeys, { error: "must be one of success, latency_dev, latency_staging, latency_prod" }),
  /** Percent, e.g. 99.5. */
  objectivePercent: z.number({ error: "must be a number" }).gt(50, { error: "must be above 50 %" }).lt(100, { error: "must be below 100 %" }),
  thresholdMinutes: z.number({ error: "must be a number" }).int().min(1).max(10_080).nullable(),
  windowDays: z
    .number({ error: "must be a whole number of days" })
    .int()
    .min(1, { error: "must be at least 1 day" })
    .max(90, { error: "must be at most 90 days" }),
});

export async function setTarget(db: Database, viewer: Viewer, input: z.infer<typeof setTargetInput>) {
  const isLatency = input.key !== "success";
  if (isLatency && input.thresholdMinutes === null)
    throw new ServiceError("invalid", "A time-to-provision SLO needs a threshold.", "thresholdMinutes");
  if (!isLatency && input.thresholdMinutes !== null) throw new ServiceError("invalid", "The success SLO has no threshold.", "thresholdMinutes");
  return db.transaction(async (tx) => {
    const before = (await listTargets(tx)).find((t) => t.key === input.key);
    const values = {
      objective: Math.round(input.objectivePercent * 1000) / 100_000,
      thresholdSeconds: input.thresholdMinutes === null ? null : input.thresholdMinutes * 60,
      windowDays: input.windowDays,
      updatedBy: viewer.id,
      updatedAt: new Date(),
    };
    await tx
      .insert(sloTargets)
      .values({ key: input.key, ...values })
      .onConflictDoUpdate({ target: sloTargets.key, set: values });
    const after = { key: input.key, objective: values.objective, thresholdSeconds: values.thresholdSeconds, windowDays: values.windowDays };
    await recordAudit(tx, actorOf(viewer), { action: "slo.target_updated", subjectType: "slo", subjectId: input.key, before, after });
    return after;
  });
}
