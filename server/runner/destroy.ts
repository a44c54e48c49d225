/**
 * Destroy runs: every tracked resource of an environment is destroyed in reverse apply order,
 * each retried on transient errors, and marked deleted as it goes, so a destroy interrupted by
 * a crash resumes where it stopped. What the engine still reports for the environment (a
 * resource created just before a crash) is destroyed too.
 */
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { Database, Executor } from "~/db/client";
import { environmentResources, environments, requests, runs } from "~/db/schema";
import type { ActualResource } from "~/server/engines/engine";
import type { EngineName } from "~/server/engines/types";
import { recordAudit, systemActor, type Actor } from "~/server/core/audit";
import { publishEvent } from "~/server/core/events";
import type { RunnerOptions } from "./provision";
import { withRetry } from "./retry";
import { enqueueRun, handBack, runScope } from "./run-scope";
import { destroyWholeEnvironment } from "./whole-environment";


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
  const inTransaction = async (tx: Executor) => {
    const [environment] = await tx.select().from(environments).where(eq(environments.id, environmentId)).for("update");
    if (!environment || !["ready", "failed"].includes(environment.status)) return null;
    const [active] = await tx.select({ id: runs.id }).from(runs).where(and(eq(runs.environmentId, environmentId), inArray(runs.status, ["queued", "running"]))).limit(1);
    if (active) return null;
    const [run] = await tx.insert(runs).values({ environmentId, kind: "destroy", status: "queued" }).returning();
    const actor = options.actor ?? systemActor;
    await tx
      .update(environments)
      .set({ status: "destroying", destroyReason: options.destroyReason ?? environment.destroyReason, destroyRequestedBy: actor.id, version: environment.version + 1, updatedAt: new Date() })
      .where(eq(environments.id, environmentId));
    await recordAudit(tx, actor, { action: "environment.destroying", subjectType: "environment", subjectId: environmentId, teamId: environment.teamId, correlationId: environment.requestId, after: { reason, runId: run?.id } });
    await enqueueRun(tx, run!.id);
    return run?.id ?? null;
  };
  // Inside a caller's transaction this is a savepoint: it commits or rolls back with the caller.
  return db.transaction(inTransaction);
}

export async function executeDestroy(db: Database, run: typeof runs.$inferSelect, options: RunnerOptions): Promise<"succeeded" | "failed" | "handed_back"> {
  const [environment] = await db.select().from(environments).where(eq(environments.id, run.environmentId));
  if (!environment) throw new Error("the run's environment is missing");
  const engine = options.engines(environment.engine as EngineName);
  const scope = runScope(db, run.id, options);
  const { log, retry, signal } = scope;
  const ctx = { environmentId: environment.id, log, signal };
  await log({ level: "info", message: `Destroy started on ${options.workerId}` });
  try {
    // A whole-environment engine (terraform) destroys everything at once; the loop below then finds nothing left.
    if (engine.destroyAll) await destroyWholeEnvironment(db, { environmentId: environment.id, engine, ctx, retry, log });
    const rows = await db
      .select()
      .from(environmentResources)
      .where(and(eq(environmentResources.environmentId, environment.id), inArray(environmentResources.status, ["creating", "ready", "deleting", "failed"])))
      .orderBy(desc(environmentResources.createdAt));
    const reported = await withRetry(() => engine.read(ctx), retry);
    const byKey = new Map<string, ActualResource>(reported.map((r) => [r.idempotencyKey, r]));
    for (const row of rows) {
      signal.throwIfAborted();
      await db.update(environmentResources).set({ status: "deleting" }).where(eq(environmentResources.id, row.id));
      const actual = byKey.get(row.idempotencyKey);
      if (actual) await withRetry(() => engine.destroy(ctx, actual), retry);
      byKey.delete(row.idempotencyKey);
      await db.update(environmentResources).set({ status: "deleted", deletedAt: new Date() }).where(eq(environmentResources.id, row.id));
      await log({ level: "info", message: actual ? `Destroyed ${row.address} (${actual.providerId})` : `${row.address} was already gone`, address: row.address });
    }
    // Anything the engine still reports for this environment but we never recorded.
    for (const leftover of byKey.values()) {
      await withRetry(() => engine.destroy(ctx, leftover), retry);
      await log({ level: "warn", message: `Destroyed untracked ${leftover.address} (${leftover.providerId})`, address: leftover.address });
    }
  } catch (error) {
    scope.release();
    if (signal.aborted) return handBack(db, run.id, log, "destroy");
    const message = (error as Error).message;
    await log({ level: "error", message: `Destroy failed: ${message}` });
    await db.transaction(async (tx) => {
      await tx.update(runs).set({ status: "failed", finishedAt: new Date(), error: message }).where(eq(runs.id, run.id));
      await tx.update(environments).set({ status: "failed", failureSummary: `Destroy failed: ${message}`, updatedAt: new Date() }).where(eq(environments.id, environment.id));
    });
    return "failed";
  }
  scope.release();
  await db.transaction(async (tx) => {
    await tx.update(runs).set({ status: "succeeded", finishedAt: new Date(), error: null }).where(eq(runs.id, run.id));
    await tx.update(environments).set({ status: "destroyed", destroyedAt: new Date(), version: environment.version + 1, updatedAt: new Date() }).where(eq(environments.id, environment.id));
    // The request that made it is over: its environment name is free for a new request.
    await tx.update(requests).set({ status: "destroyed", version: sql`${requests.version} + 1`, updatedAt: new Date() }).where(and(eq(requests.id, environment.requestId), inArray(requests.status, ["ready", "failed"])));
    await recordAudit(tx, systemActor, { action: "environment.destroyed", subjectType: "environment", subjectId: environment.id, teamId: environment.teamId, correlationId: environment.requestId, after: { runId: run.id } });
    await publishEvent(tx, {
      type: "environment.destroyed",
      teamId: environment.teamId,
      subject: `environments/${environment.id}`,
      data: { environmentId: environment.id, requestId: environment.requestId, runId: run.id, name: environment.name },
      notify: { userIds: [environment.ownerId], kind: "environment_destroyed", title: `${environment.name} was destroyed`, link: `/environments/${environment.id}`, requestId: environment.requestId },
    });
  });
  await log({ level: "info", message: "Destroy finished: every resource is gone" });
  return "succeeded";
}
