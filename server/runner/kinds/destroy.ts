/**
 * Destroy runs: every tracked resource of an environment is destroyed in reverse apply order,
 * each retried on transient errors, and marked deleted as it goes (one statement per resource,
 * with the next one's `deleting`), so a destroy interrupted by a crash resumes where it stopped.
 * What the engine still reports for the environment (a resource created just before a crash) is
 * destroyed too. A failed destroy leaves the environment failed, its resources kept.
 */
import { and, desc, eq, inArray } from "drizzle-orm";
import type { Database } from "~/db/client";
import { environmentResources, environments, type Environment } from "~/db/schema";
import { mayExistResourceStatuses } from "~/db/vocabulary";
import { recordAudit, systemActor } from "~/server/core/audit";
import { publishEvent } from "~/server/core/events";
import type { ActualResource } from "~/server/engines/engine";
import { writeResources, type ResourceWrite } from "../bookkeeping";
import { withRetry } from "../retry";
import { moveEnvironment, moveRequest } from "../status";
import { destroyWholeEnvironment } from "../whole-environment";
import { defineRunKind } from "./types";

export const destroyKind = defineRunKind<Environment, void>({
  noun: "destroy",
  // finish opens no run: the status goes last (kinds/types.ts).
  statusLast: true,

  async load(db: Database, run) {
    const [environment] = await db.select().from(environments).where(eq(environments.id, run.environmentId));
    if (!environment) throw new Error(`the run's environment ${run.environmentId} is missing`);
    return environment;
  },

  async execute(scope, environment) {
    const engine = scope.engine(environment.engine);
    const ctx = scope.engineContext(environment.id);
    scope.log({ level: "info", message: `Destroy started on ${scope.workerId}` });
    // A whole-environment engine (terraform) destroys everything at once; the loop below then finds nothing left.
    if (engine.destroyAll)
      await destroyWholeEnvironment(scope.db, { environmentId: environment.id, engine, ctx, retry: scope.retry, log: scope.log });
    const rows = await scope.db
      .select()
      .from(environmentResources)
      .where(and(eq(environmentResources.environmentId, environment.id), inArray(environmentResources.status, mayExistResourceStatuses)))
      .orderBy(desc(environmentResources.createdAt));
    const reported = await withRetry(() => engine.read(ctx), scope.retry);
    const byKey = new Map<string, ActualResource>(reported.map((r) => [r.idempotencyKey, r]));
    // The last resource's `deleted`, written with the next statement.
    let gone: ResourceWrite | null = null;
    try {
      for (const row of rows) {
        scope.signal.throwIfAborted();
        const deleting: ResourceWrite = { op: "status", id: row.id, status: "deleting" };
        await writeResources(scope, gone ? [gone, deleting] : [deleting]);
        gone = null;
        const found = byKey.get(row.idempotencyKey);
        if (found) await withRetry(() => engine.destroy(ctx, found), scope.retry);
        byKey.delete(row.idempotencyKey);
        scope.log({
          level: "info",
          message: found ? `Destroyed ${row.address} (${found.providerId})` : `${row.address} was already gone`,
          address: row.address,
        });
        gone = { op: "status", id: row.id, status: "deleted" };
      }
    } catch (error) {
      if (gone) await writeResources(scope, [gone]).catch(() => undefined);
      throw error;
    }
    if (gone) await writeResources(scope, [gone]);
    // Anything the engine still reports for this environment but we never recorded.
    for (const leftover of byKey.values()) {
      await withRetry(() => engine.destroy(ctx, leftover), scope.retry);
      scope.log({ level: "warn", message: `Destroyed untracked ${leftover.address} (${leftover.providerId})`, address: leftover.address });
    }
  },

  async cleanUp(scope, _environment, error) {
    scope.log({ level: "error", message: `Destroy failed: ${error.message}` });
    return `Destroy failed: ${error.message}`;
  },

  async finish(tx, scope, environment, outcome) {
    if (outcome.status === "failed") {
      await moveEnvironment(tx, environment, "failed", { failureSummary: outcome.summary });
      return;
    }
    const runId = scope.run.id;
    await moveEnvironment(tx, environment, "destroyed", { destroyedAt: new Date() });
    // The request that made it is over: its environment name is free for a new request.
    await moveRequest(tx, environment.requestId, "destroyed");
    await recordAudit(tx, systemActor, {
      action: "environment.destroyed",
      subjectType: "environment",
      subjectId: environment.id,
      teamId: environment.teamId,
      correlationId: environment.requestId,
      after: { runId },
    });
    await publishEvent(tx, {
      type: "environment.destroyed",
      teamId: environment.teamId,
      subject: `environments/${environment.id}`,
      data: { environmentId: environment.id, requestId: environment.requestId, runId, name: environment.name },
      notify: {
        userIds: [environment.ownerId],
        kind: "environment_destroyed",
        title: `${environment.name} was destroyed`,
        link: `/environments/${environment.id}`,
        requestId: environment.requestId,
      },
    });
    scope.log({ level: "info", message: "Destroy finished: every resource is gone" });
  },
});
