/**
 * Queuing a destroy: the environment moves to destroying and gets a destroy run (through the run
 * store), with its reason and an audit event, in one transaction. Services (a user's destroy,
 * the TTL sweep) call this; the runner executes the run.
 */
import { eq, sql } from "drizzle-orm";
import type { Executor } from "~/db/client";
import { environments } from "~/db/schema";
import { recordAudit, systemActor, type Actor } from "~/server/core/audit";
import { statusesLeadingTo } from "~/server/core/lifecycle";
import { createRun } from "./store";

export type DestroyReason = "expired" | "owner" | "approver" | "admin";

/**
 * Queues a destroy run for a ready or failed environment, in the caller's transaction when one
 * is given (so the decision, the destroy reason, the audit event and the job are one change);
 * null when a run is already active or there is nothing to destroy.
 */
export async function queueDestroy(
  db: Executor,
  environmentId: string,
  reason: string,
  options: { destroyReason?: DestroyReason; actor?: Actor } = {},
): Promise<string | null> {
  // Inside a caller's transaction this is a savepoint: it commits or rolls back with the caller.
  return db.transaction(async (tx) => {
    const [environment] = await tx.select().from(environments).where(eq(environments.id, environmentId)).for("update");
    if (!environment || !statusesLeadingTo("environment", "destroying").includes(environment.status)) return null;
    const run = await createRun(tx, { environmentId, kind: "destroy" });
    if (!run) return null;
    const actor = options.actor ?? systemActor;
    await tx
      .update(environments)
      .set({
        status: "destroying",
        destroyReason: options.destroyReason ?? environment.destroyReason,
        destroyRequestedBy: actor.id,
        version: sql`${environments.version} + 1`,
        updatedAt: new Date(),
      })
      .where(eq(environments.id, environmentId));
    await recordAudit(tx, actor, {
      action: "environment.destroying",
      subjectType: "environment",
      subjectId: environmentId,
      teamId: environment.teamId,
      correlationId: environment.requestId,
      after: { reason, runId: run.id },
    });
    return run.id;
  });
}
