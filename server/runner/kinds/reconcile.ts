/**
 * Reconcile runs (issue 13): put the desired state back over drift. Per-resource engines: read
 * what exists, plan the desired resources against it, re-create what is missing, update what
 * changed (properties and tags), delete extras carrying our tags; whole-environment engines
 * apply their configuration (applyAll). Each resource through the engine's idempotent apply, so
 * a resumed run carries on. When done, a drift check is queued to confirm "in sync".
 */
import { recordAudit, systemActor } from "~/server/core/audit";
import { publishEvent } from "~/server/core/events";
import { and, eq } from "drizzle-orm";
import { memberships } from "~/db/schema";
import type { ActualResource } from "~/server/engines/engine";
import { createRun } from "~/server/runs/store";
import { sealSensitive, toActual } from "../actual";
import { writeResources } from "../bookkeeping";
import { desiredResources } from "../drift-desired";
import { withRetry } from "../retry";
import { applyWholeEnvironment } from "../whole-environment";
import { driftKind, type DriftLoad } from "./drift";
import { defineRunKind } from "./types";

type Result = { created: number; updated: number; deleted: number };

export const reconcileKind = defineRunKind<DriftLoad, Result>({
  noun: "reconcile",
  load: (db, run) => driftKind.load(db, run),

  async execute(scope, { environment, plan, recorded }) {
    const engine = scope.engine(environment.engine);
    const ctx = scope.engineContext(environment.id);
    scope.log({ level: "info", message: `Reconcile started on ${scope.workerId}: putting the desired state back` });
    const result: Result = { created: 0, updated: 0, deleted: 0 };
    if (engine.applyAll) {
      result.updated = (await applyWholeEnvironment(scope.db, { environmentId: environment.id, engine, ctx, retry: scope.retry })).resources;
      return result;
    }
    const rows = new Map(recorded.map((r) => [r.address, r]));
    const known = new Map<string, ActualResource>(recorded.map((r) => [r.address, toActual(r)]));
    const actual = (await withRetry(() => engine.read(ctx), scope.retry)).filter((r) => r.status !== "failed");
    for (const change of engine.plan(desiredResources(environment, plan, recorded), actual)) {
      scope.signal.throwIfAborted();
      if (change.action === "noop") continue;
      if (change.action === "delete") {
        if (!change.existing || change.existing.tags["managed-by"] !== "provisio") continue;
        await withRetry(() => engine.destroy(ctx, change.existing!), scope.retry);
        scope.log({
          level: "info",
          message: `Deleted ${change.address} (${change.existing.providerId}): not part of the environment`,
          address: change.address,
        });
        result.deleted++;
        continue;
      }
      const desired = change.desired!;
      const wanted = engine.withSecretInputs ? engine.withSecretInputs(desired, known) : desired;
      const made = await withRetry(() => engine.apply(ctx, wanted, change.existing), scope.retry);
      known.set(change.address, made);
      const row = rows.get(change.address);
      if (row)
        await writeResources(scope, [
          {
            op: "ready",
            id: row.id,
            providerId: made.providerId,
            attributes: made.attributes,
            sensitiveCiphertext: sealSensitive(row.id, made.sensitive),
          },
        ]);
      if (change.action === "create") result.created++;
      else result.updated++;
      scope.log({
        level: "info",
        message:
          change.action === "create"
            ? `Re-created ${change.address} as ${made.providerId}`
            : `Put back ${change.address}: ${change.differences.join(", ")}`,
        address: change.address,
      });
    }
    return result;
  },

  async finish(tx, scope, { environment }, outcome) {
    const subject = { subjectType: "environment", subjectId: environment.id, teamId: environment.teamId, correlationId: environment.requestId };
    if (outcome.status === "failed") {
      await recordAudit(tx, systemActor, {
        action: "environment.reconcile_failed",
        ...subject,
        after: { runId: scope.run.id, error: outcome.summary },
      });
      scope.log({ level: "error", message: `Reconcile failed: ${outcome.summary}. The next drift check shows what is left.` });
      return;
    }
    const { created, updated, deleted } = outcome.result;
    await recordAudit(tx, systemActor, { action: "environment.reconciled", ...subject, after: { runId: scope.run.id, created, updated, deleted } });
    const approvers = await tx
      .select({ id: memberships.userId })
      .from(memberships)
      .where(and(eq(memberships.teamId, environment.teamId), eq(memberships.role, "approver")));
    await publishEvent(tx, {
      type: "environment.reconciled",
      teamId: environment.teamId,
      subject: `environments/${environment.id}`,
      data: { environmentId: environment.id, name: environment.name, runId: scope.run.id, created, updated, deleted },
      notify: {
        userIds: [environment.ownerId, ...approvers.map((a) => a.id)],
        kind: "environment_reconciled",
        title: `${environment.name} was reconciled`,
        body: `${created} re-created, ${updated} put back, ${deleted} deleted.`,
        link: `/environments/${environment.id}`,
      },
    });
    // Confirms the result: this run has just completed (same transaction), so the check may start.
    await createRun(tx, { environmentId: environment.id, kind: "drift" });
    scope.log({
      level: "info",
      message: `Reconcile finished: ${created} re-created, ${updated} put back, ${deleted} deleted; a drift check confirms it`,
    });
  },
});
